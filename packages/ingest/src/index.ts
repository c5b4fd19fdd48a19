export {
  Ingestor,
  type IngestItem,
  type IngestResult,
  type IngestorOptions,
  type IngestStats,
  type Rejection,
} from './ingestor.js';
export { parseBody } from './parse-body.js';
export type { Locator, LocateResult, CategoryCheck } from './ports.js';
