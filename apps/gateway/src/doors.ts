import type { Role } from '@cityops/identity';

/**
 * Who may pass which door of the gateway (issue 10 part 4, decision 12). `admin` passes every
 * check. Machines keep their keys: event intake (`POST /api/v1/events`) and the adapters'
 * receivers (`/api/v1/ingest/*`) take the per-source ingest keys; DATA_API_KEYS stand for the
 * `data` role and ADMIN_API_KEY for `admin` at every door below.
 */
export const WALL_ROLES: Role[] = ['screen', 'officer', 'supervisor', 'department', 'data', 'admin'];
export const DOORS = {
  /** the vital signs (REST snapshot and the socket's `vitals` channel): a wall or anyone at work */
  snapshot: WALL_ROLES,
  /** the city model the wall draws */
  city: WALL_ROLES,
  /** 接诉即办 KPIs and 红黑榜 (GET /api/v1/hotline/*): a wall or anyone at work, read-only */
  hotline: WALL_ROLES,
  /** `/healthz` answers `{status, mode}` to anyone (liveness); its components only to these */
  healthDetails: WALL_ROLES,
  /** dead letters, source health, mappings: the data team */
  deadLetters: ['data'] as Role[],
  sources: ['data'] as Role[],
  /** the gateway's Prometheus text on the public port (scrape with a DATA_API_KEY as bearer) */
  metrics: ['data'] as Role[],
  /** the socket's `alerts` channel (the detector's alerts) */
  alertsChannel: ['screen', 'officer', 'supervisor', 'department'] as Role[],
  /** the socket's `sources` channel: the wall's source panel */
  sourcesChannel: WALL_ROLES,
  /** who may open a socket at all */
  socket: WALL_ROLES,
  /** a replay's state (GET /api/v1/replays/:id) and its vitals on the socket: a wall watches, read-only */
  replaysWatch: WALL_ROLES,
  /** starting, seeking and stopping a replay (复盘): duty officers (and admin) */
  replaysControl: ['officer'] as Role[],
} as const;
