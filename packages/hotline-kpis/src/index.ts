export { DEFAULT_HOTLINE_DEADLINES, deadlineFor, type DeadlineMs, type HotlineDeadlines } from './deadlines.js';
export { MONTH_PATTERN, monthOf, monthStartMs, previousMonth } from './time.js';
export { STAGES, applyStage, latestSeen, stageEventOf, type StageEvent, type TicketState } from './ticket.js';
export { HISTOGRAM_OPEN_FROM_MIN, OVERFLOW_BIN, binOf, binValue, exactMedian, histogramMedian } from './histogram.js';
export {
  KPI_FIELDS,
  KPI_LEVELS,
  ROLLING_BUCKETS,
  ROLLING_BUCKET_MS,
  bucketOf,
  contributionsOf,
  diffContributions,
  type Contribution,
  type KpiContext,
  type KpiField,
  type KpiLevel,
  type PeriodKind,
} from './contributions.js';
export {
  DEFAULT_MIN_RECEIVED,
  KpiBook,
  ROLLING_PERIOD,
  bucketsOf,
  kpisFromFields,
  rankingsOf,
  sumBuckets,
  type KpiNames,
  type RankingOptions,
} from './kpis.js';
export { FIXTURE_CITY, FIXTURE_EXPECTED, fixtureEvents } from './fixture.js';
export {
  HOTLINE_MONTH_TTL_MS,
  HOTLINE_ROLLING_TTL_MS,
  hotlineGroups,
  kpiContextOf,
  kpiNamesOf,
  type KpiPack,
} from './pack.js';
export { readKpis, readRankings, type CounterReader, type KpiSource } from './read.js';
