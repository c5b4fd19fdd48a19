import type { AlertSeverity, AlertState, AlertType } from './alerts.js';

/**
 * The states of the wall's socket.io channels other than `vitals` (decision 6): each channel has
 * its own snapshot and `seq`, and is sent to a screen that asked for it with `subscribe`. Types
 * only: the gateway builds them, the dashboard reads them. Wall screens are read-only and these
 * carry nothing a wall must not show (no evidence ids, no dead-letter contents, no secrets).
 * A field that may go back to "none" is optional (absent), never null: a JSON merge patch cannot
 * set a value to null (null deletes).
 */
export const SCREEN_CHANNELS = ['vitals', 'alerts', 'sources'] as const;
export type ScreenChannel = (typeof SCREEN_CHANNELS)[number];

/** Names of a place, resolved by the gateway from the city pack. */
export interface PlaceName {
  zh: string;
  en: string;
}

/** One alert as the wall shows it: the latest event of the alert, with the pack's names. */
export interface AlertView {
  alertId: string;
  /** seq of the latest alert event folded in */
  seq: number;
  type: AlertType;
  state: AlertState;
  severity: AlertSeverity;
  lon: number;
  lat: number;
  districtId: string;
  streetId?: string;
  roadSegmentId?: string;
  /** names from the pack; absent when the pack does not know the id */
  district?: PlaceName;
  street?: PlaceName;
  road?: PlaceName;
  /** the road segment's line from the pack ([lon, lat] pairs), for an alert on a segment */
  roadLine?: Array<[number, number]>;
  firstSignalAt: string;
  detectedAt: string;
  /** when the gateway's log received the raising event (the alert topic's append time, ISO) */
  raisedAt: string;
  /** append time of the latest event of this alert (ISO) */
  updatedAt: string;
  /** append time of the `cleared` event; absent while open */
  clearedAt?: string;
  summary: PlaceName;
  evidenceCount: number;
  subjectCount: number;
  /** the suggested lead department's id */
  lead?: string;
  metrics: Record<string, number>;
}

export interface AlertsChannelState {
  /** the alerts on screen, by alertId: open ones first by severity, then recently cleared */
  alerts: Record<string, AlertView>;
  /** open alerts the gateway holds, by severity (includes those not sent to screens) */
  openBySeverity: Record<AlertSeverity, number>;
  open: number;
  /** open alerts held but not sent (the screen cap); shown as "N more", never hidden */
  notShown: number;
  /** true until the gateway has re-read the alert topic from its rebuild horizon to the end */
  rebuilding: boolean;
  /** server time (ISO) at which the gateway last knew it had read the topic to its end */
  currentAt: string | null;
  /** the last error reading the topic; absent when the last read went well */
  error?: string;
  /** alert records not folded, by reason code (bad JSON, bad schema, too many open) */
  rejected: Record<string, number>;
}

/** One source's health as the wall shows it: figures only. */
export interface SourceHealthView {
  source: string;
  /** connected / connecting / disconnected / idle, as the adapter reports it */
  connection?: string;
  /** accepted events per second over the adapter's recent window; absent when unknown */
  ratePerSec?: number;
  /** arrival of the last accepted event (ISO); absent when none yet */
  lastEventAt?: string;
  accepted?: number;
  rejected?: number;
  deadLettered?: number;
  /** the code of the last error (E_...), never its text; absent when none */
  lastErrorCode?: string;
  /** the row turns stale (silent) when lastEventAt is older than this */
  silentAfterMs: number;
  /**
   * the event types this source sent, as this gateway saw them (at most 8), so a wall can mark the
   * figures of a type silent when its sources are; absent when the gateway does not know
   */
  types?: string[];
}

export interface SourcesChannelState {
  /** false when this gateway has no source health to give (no adapters wired) */
  available: boolean;
  sources: Record<string, SourceHealthView>;
  /** server time (ISO) the health was last read, or null before the first read */
  readAt: string | null;
  /** why the last read failed; absent when it worked */
  error?: string;
}
