export { BUCKET_MS, WINDOW_M1_MS, WINDOW_M15_MS, bucketOf } from './windows.js';
export { fieldsOf, TOTAL_FIELD, type CountedEvent } from './fields.js';
export { rollup, snapshotRange, streamWatermark, type RollupOptions } from './rollup.js';
export { knownSources, OTHER_SOURCE, type KnownSources } from './sources.js';
