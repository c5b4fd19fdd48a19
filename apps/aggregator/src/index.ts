export { Aggregator, aggregatorStage, type AggregatorOptions } from './aggregator.js';
export { buildBatch, type BuiltBatch } from './build-batch.js';
