export { CityopsError, ErrorCodes, isCityopsError, type ErrorCode } from './errors.js';
export { Topics, DEFAULT_PARTITIONS, type TopicName } from './topics.js';
export {
  CityEvent,
  Category,
  Location,
  HotlineStage,
  HotlineTicketPayload,
  SensorKind,
  SensorReadingPayload,
  DeliveryVehiclePayload,
  ENVELOPE_VERSION,
  MAX_ID_CHARS,
  CITY_EVENT_TYPES,
  type CityEventInput,
  type CityEventType,
} from './envelope.js';
export {
  parseCityEvent,
  deadLetter,
  capReason,
  MAX_EVENT_BYTES,
  MAX_REASON_CHARS,
  MAX_RAW_BYTES,
  type ParseResult,
  type DeadLetter,
} from './parse.js';
export { boundedJson, truncateUtf8, utf8Length, preview } from './bounded.js';
export type { VitalCounts, VitalsSnapshot, Delta, Snapshot } from './vitals.js';
export {
  THEME_METRICS,
  type ThemeId,
  type ThemeMetricDef,
  type ThemeMetricId,
  type AreaThemes,
  type ThemesSnapshot,
} from './themes.js';
export type { KpiLevel, HotlineKpiArea, HotlineKpis, BoardRow, TopProblem, HotlineRankings } from './hotline-kpis.js';
export { diffMergePatch, applyMergePatch, type Json } from './merge-patch.js';
export {
  SCREEN_CHANNELS,
  type ScreenChannel,
  type PlaceName,
  type AlertView,
  type AlertsChannelState,
  type SourceHealthView,
  type SourcesChannelState,
} from './screens.js';
export {
  ALERT_VERSION,
  ALERT_TYPES,
  ALERT_SEVERITIES,
  MAX_ALERT_EVIDENCE,
  MAX_ALERT_SUMMARY_CHARS,
  MAX_ALERT_SILENT_IDS,
  AlertEvent,
  AlertType,
  AlertState,
  AlertSeverity,
  AlertPlace,
  parseAlertEvent,
  type AlertEventInput,
  type AlertParseResult,
} from './alerts.js';
export {
  CASE_STATE_NAMES,
  type CaseStateLabel,
  type CaseClockView,
  type CaseSummaryView,
  type CasesChannelState,
} from './cases.js';
export {
  ALERT_ACTION_VERSION,
  ALERT_ACTIONS,
  DESK_ROLES,
  WHISTLE_LEVELS,
  MAX_ACTION_TEXT_CHARS,
  MAX_ACTION_LIST,
  AlertAction,
  DeskActor,
  DeskRole,
  WhistleLevel,
  parseAlertAction,
  type AlertActionName,
  type AlertActionInput,
  type AlertActionParseResult,
  type AlertActionDecision,
} from './alert-actions.js';
