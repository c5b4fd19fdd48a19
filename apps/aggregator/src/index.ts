export { Aggregator, aggregatorStage, type AggregatorOptions } from './aggregator.js';
export { buildBatch, type BuiltBatch } from './build-batch.js';
export { ThemesRunner, themesStage, vansStage, stopPlaceOf, roadsOf, themesRebuildHorizonMs } from './themes.js';
export type { ThemesStageOptions, ThemesRunnerOptions } from './themes.js';
export {
  BY_TICKET_TOPIC,
  HotlineKpiStages,
  hotlineRouterStage,
  hotlineTicketStage,
  openHotlineStores,
  type HotlineKpiOptions,
  type HotlineStores,
} from './hotline/index.js';
