export { foldThemes, evaluateSensor, evaluateTicket } from './fold.js';
export type { ThemesFoldInput, ThemesFoldOutput, ThemesFoldOptions, RoadInfo, VanFix, FoldRecord } from './fold.js';
export { foldVans, metres, type VansFoldOptions, type StopPlace } from './vans.js';
export { ItemBatch, areasOf, SENTINEL_KEY, type Contributing, type ItemsOutput } from './items.js';
export { areaValues, byArea, type ValuesOptions } from './read.js';
export { Baselines, deviationOf, metricOf, SPREAD_FLOOR, type BaselineSeed, type BaselineOptions } from './baseline.js';
export { healthIndex, HEALTH_CAPS } from './health.js';
export { ThemesView, themesGroups, VAN_TOPIC, type ThemesViewOptions } from './snapshot.js';
export { hourOfWeek, isDark, isNoiseDay, localMinuteOfDay, DARK_FROM_MIN, DARK_UNTIL_MIN } from './time.js';
export {
  FRESH_MS,
  LOGISTICS_WINDOW_MS,
  KNOWN_MS,
  RECEIVED_WINDOW_MS,
  DEVICE_INTERVAL_MS,
  WATER_ALARM_CM,
  PM25_LIMIT,
  CONGESTED_BELOW,
} from './settings.js';
export { SequentialThemes, stopPlaceFromIndex } from './sequential.js';
export { seedFromEvents, shippedSeed } from './seed.js';
export { catalogueTable } from './catalogue.js';
