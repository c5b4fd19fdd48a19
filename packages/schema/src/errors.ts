/**
 * Stable, machine-readable reason codes. A rejected event carries one of these into
 * `city.dlq.v1`, the HTTP answer and the screen, so they never change meaning once shipped.
 * Prefixes: E_EVT (event content), E_CFG (configuration), E_BUS / E_STORE (ports), E_HTTP, E_PACK, E_ADP (adapters).
 */
export const ErrorCodes = {
  EVT_NOT_JSON: 'E_EVT_NOT_JSON',
  EVT_SCHEMA: 'E_EVT_SCHEMA',
  EVT_UNSUPPORTED_VERSION: 'E_EVT_UNSUPPORTED_VERSION',
  EVT_FUTURE_TIME: 'E_EVT_FUTURE_TIME',
  EVT_TOO_LATE: 'E_EVT_TOO_LATE',
  EVT_TOO_OLD: 'E_EVT_TOO_OLD',
  EVT_OUTSIDE_CITY: 'E_EVT_OUTSIDE_CITY',
  EVT_UNKNOWN_CATEGORY: 'E_EVT_UNKNOWN_CATEGORY',
  EVT_DUPLICATE: 'E_EVT_DUPLICATE',
  EVT_IN_FLIGHT: 'E_EVT_IN_FLIGHT',
  EVT_TOO_LARGE: 'E_EVT_TOO_LARGE',
  CFG_INVALID: 'E_CFG_INVALID',
  BUS_UNAVAILABLE: 'E_BUS_UNAVAILABLE',
  BUS_CLOSED: 'E_BUS_CLOSED',
  STORE_UNAVAILABLE: 'E_STORE_UNAVAILABLE',
  STORE_OFFSET_CONFLICT: 'E_STORE_OFFSET_CONFLICT',
  STORE_OFFSET_GAP: 'E_STORE_OFFSET_GAP',
  STORE_STATE_LOST: 'E_STORE_STATE_LOST',
  STREAM_RECORDS_LOST: 'E_STREAM_RECORDS_LOST',
  HTTP_UNAUTHORIZED: 'E_HTTP_UNAUTHORIZED',
  HTTP_FORBIDDEN_SOURCE: 'E_HTTP_FORBIDDEN_SOURCE',
  /** an identity that lacks the role this door needs (403; without an identity it is E_HTTP_UNAUTHORIZED, 401) */
  HTTP_FORBIDDEN: 'E_HTTP_FORBIDDEN',
  /** login: unknown user name or wrong password (one code for both, so it says nothing about which) */
  AUTH_BAD_CREDENTIALS: 'E_AUTH_BAD_CREDENTIALS',
  /** login: too many attempts for this user name or from this address; retry after Retry-After */
  AUTH_RATE_LIMITED: 'E_AUTH_RATE_LIMITED',
  /** user directory: a user of that name exists already */
  AUTH_USER_EXISTS: 'E_AUTH_USER_EXISTS',
  /** user directory: no user of that name */
  AUTH_UNKNOWN_USER: 'E_AUTH_UNKNOWN_USER',
  /** user directory: a bad user name, role, department or password (too short, too long) */
  AUTH_INVALID_USER: 'E_AUTH_INVALID_USER',
  HTTP_BODY_TOO_LARGE: 'E_HTTP_BODY_TOO_LARGE',
  HTTP_TOO_MANY_ITEMS: 'E_HTTP_TOO_MANY_ITEMS',
  HTTP_RATE_LIMITED: 'E_HTTP_RATE_LIMITED',
  HTTP_BAD_REQUEST: 'E_HTTP_BAD_REQUEST',
  PACK_INVALID: 'E_PACK_INVALID',
  /** an input that is not in its adapter's format (a field missing or of the wrong type) */
  ADP_BAD_INPUT: 'E_ADP_BAD_INPUT',
  /** a body that does not parse in its adapter's format as a whole (e.g. CSV without a header row) */
  ADP_PARSE: 'E_ADP_PARSE',
  /** an input whose time is missing or not understood */
  ADP_BAD_TIME: 'E_ADP_BAD_TIME',
  /** an input without a location, from a device the device registry does not know */
  ADP_NO_LOCATION: 'E_ADP_NO_LOCATION',
  /** the adapter's map() threw: a bug in the adapter, the input is dead-lettered */
  ADP_MAP_FAILED: 'E_ADP_MAP_FAILED',
  /** the adapter host's queue is full (back-pressure): send again after Retry-After */
  ADP_HOST_FULL: 'E_ADP_HOST_FULL',
  /** an input of a type the envelope cannot carry (e.g. an NGSI ParkingSpot: no parking kind in envelope v1) */
  ADP_UNSUPPORTED_TYPE: 'E_ADP_UNSUPPORTED_TYPE',
  /** a remote server an adapter polls answered with an error, a body not in its format, or not at all */
  ADP_UPSTREAM: 'E_ADP_UPSTREAM',
  /** alert desk: the command's expectedVersion is not the case's current version (an API answers 409) */
  DESK_VERSION_CONFLICT: 'E_DESK_VERSION_CONFLICT',
  /** alert desk: the action is not allowed from the case's current state */
  DESK_NOT_ALLOWED: 'E_DESK_NOT_ALLOWED',
  /** alert desk: no case with that id */
  DESK_UNKNOWN_CASE: 'E_DESK_UNKNOWN_CASE',
  /** alert desk: a department user acting for another department, or on a case not sent to it */
  DESK_FORBIDDEN_DEPARTMENT: 'E_DESK_FORBIDDEN_DEPARTMENT',
  /** alert desk: the actor's role may not take this action */
  DESK_FORBIDDEN_ROLE: 'E_DESK_FORBIDDEN_ROLE',
  /** alert desk: a command that is not a valid AlertAction (dead-lettered with the reason) */
  DESK_INVALID_COMMAND: 'E_DESK_INVALID_COMMAND',
  /** alert desk: no decision arrived for a submitted command in time */
  DESK_DECISION_TIMEOUT: 'E_DESK_DECISION_TIMEOUT',
  /** alert desk: the audit trail's hash chain is broken (an entry altered, removed or reordered) */
  DESK_AUDIT_BROKEN: 'E_DESK_AUDIT_BROKEN',
  /** replay (复盘): no replay with that id (it ended, expired, or never was) */
  REPLAY_NOT_FOUND: 'E_REPLAY_NOT_FOUND',
  /** replay: REPLAY_MAX_CONCURRENT replays run already (503 with Retry-After) */
  REPLAY_TOO_MANY: 'E_REPLAY_TOO_MANY',
  /** replay: a period that is empty, in the future, longer than REPLAY_MAX_PERIOD_MS, or a seek outside it */
  REPLAY_BAD_PERIOD: 'E_REPLAY_BAD_PERIOD',
  /** replay: a screen watching a replay asked for a live-only channel (alerts, sources, cases) */
  REPLAY_LIVE_ONLY: 'E_REPLAY_LIVE_ONLY',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The one error class of the project: a stable code plus a human message. */
export class CityopsError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'CityopsError';
    this.code = code;
    this.details = details;
  }
}

export function isCityopsError(err: unknown, code?: ErrorCode): err is CityopsError {
  return err instanceof CityopsError && (code === undefined || err.code === code);
}
