export { registry, metricsText, METRICS_CONTENT_TYPE } from './registry.js';
export { stageMetrics, type StageMetrics } from './stage.js';
export { ingestMetrics, type IngestMetrics } from './ingest.js';
export { trackScreens } from './screens.js';
export { serveMetrics, serveMetricsFromSettings, type HealthReport, type MetricsServer } from './serve.js';
export { OTHER, MAX_LABEL_VALUES, MAX_PARTITION } from './labels.js';
