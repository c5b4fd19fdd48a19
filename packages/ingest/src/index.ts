export {
  Ingestor,
  type IngestItem,
  type IngestResult,
  type IngestorOptions,
  type IngestStats,
  type Rejection,
} from './ingestor.js';
export { parseBody } from './parse-body.js';
export { EVENT_ID_HEADER, findPublished, type LapsedEvent } from './find-published.js';
export {
  sendUntilSettled,
  UnsettledError,
  defaultBackoff,
  type SettleAnswer,
  type SettleOptions,
  type SettleTotals,
} from './settle.js';
export type { Locator, LocateResult, CategoryCheck } from './ports.js';
export {
  KeyRing,
  maySendAs,
  presentedKeys,
  sourceAuthorizer,
  type Authorization,
  type Grant,
  type SourceKey,
} from './credentials.js';
export {
  DoorTally,
  SilenceWatch,
  type SilenceOptions,
  type SourceRow,
  type SourceRowWithSilence,
} from './source-health.js';
