export { configuredAdapters, type ConfiguredAdapter } from './adapters-from-config.js';
export { createAdapterHost } from './host.js';
export { createIngestApp, requireDataKey, type IngestApp, type IngestAppDeps } from './ingest-app.js';
