/**
 * @cityops/adapters: the adapter SDK (DESIGN.md decision 10). An adapter says how to receive
 * (HTTP route, subscription or poll) and how to map one input to envelopes; the AdapterHost owns
 * batching, back-pressure, retries, validation, dedupe, dead letters, health and metrics.
 * The contract suite is `@cityops/adapters/contract` (vitest). Rules: SPEC.md.
 */
export {
  defineAdapter,
  type Adapter,
  type AdapterIO,
  type BadItem,
  type ConnectionState,
  type HttpReceiver,
  type MapContext,
  type Mapped,
  type ParseOutcome,
  type ReceiverAnswer,
  type ReceiverRequest,
  type Rejection,
  type SourceHealth,
  type SubmitOutcome,
} from './types.js';
export {
  createMapContext,
  kindOfCode,
  DEFAULT_FALLBACK_CODE,
  DEFAULT_TIME_ZONE,
  type CategoryMappingData,
  type MapContextOptions,
} from './context.js';
export { AdapterHost, HostFullError, retryable, type AdapterHostOptions, type SubmitMode } from './host.js';
export {
  adapterRouter,
  defaultAnswer,
  parseJsonBody,
  RETRY_AFTER_S,
  type Authorize,
  type HttpRouterOptions,
} from './http.js';
export { storeCursor } from './cursor.js';
export { adapterMetrics, type AdapterMetrics } from './metrics.js';
export { builtInAdapters } from './registry.js';
export { parseSourceTime, localToEpoch, zoneOffsetMs, iso } from './time.js';
export { parseCsv, splitCsvLine, guessDelimiter, withRawText, rawTextOf, RAW_TEXT } from './csv.js';
export { hotline, mapHotline, HotlineOptions, HotlineStageMessage } from './hotline/index.js';
export { gps, mapGpsRecord, GpsOptions } from './gps/index.js';
