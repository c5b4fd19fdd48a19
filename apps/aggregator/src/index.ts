export { Aggregator, type AggregatorOptions, type AggregatorStats } from './aggregator.js';
export { buildBatch, type BuiltBatch } from './build-batch.js';
