/**
 * @cityops/city: the city model. City packs (district > street/town > community > grid cell, roads,
 * loading zones, departments, the 部件/事件 taxonomy), their validation, the default Shanghai pack and
 * the spatial index. Depends on @cityops/schema only.
 */
export { loadCityPack, readPackFiles, writePackFiles, DEFAULT_MAPPINGS_DIR } from './load.js';
export { parseMapping, readMappings, MAPPINGS_DIR } from './mappings.js';
export { parsePack, areasOverlap, isTimeZone, DEFAULT_TIME_ZONE } from './validate.js';
export { CityIndex } from './spatial-index.js';
export { areasGeoJson, roadsGeoJson } from './geojson.js';
export type { AreaProperties, RoadProperties, Feature, FeatureCollection } from './geojson.js';
export { generateShanghaiPack, DEFAULT_SEED, SHANGHAI_HOTLINE_DEADLINES, type GenerateOptions } from './generate.js';
export { PACK_FILES, PACK_FORMAT_VERSION, type PackFiles, type PackFileKey } from './pack-files.js';
export { SHANGHAI_TAXONOMY, categoryIndex, smallCategoryCodes, type CategoryInfo } from './taxonomy.js';
export { SHANGHAI_DEPARTMENTS } from './departments.js';
export { responsibleDepartments, type CategoryOwners } from './responsibility.js';
export { decodeRing, decodeGeometry, decodeFeatureCollection } from './decode.js';
export { pointInGeometry, geometryAreaKm2 } from './geometry.js';
export { mulberry32 } from './prng.js';
export {
  AREA_LEVELS,
  type AreaFeature,
  type AreaGeometry,
  type AreaLevel,
  type AreaScope,
  type CategoryClass,
  type CategoryKind,
  type CategoryMapping,
  type WhistleDeadlines,
  type HotlineDeadlines,
  type CityPack,
  type Department,
  type LineStringGeometry,
  type LoadingZone,
  type LocateResult,
  type MultiPolygonGeometry,
  type NearestRoad,
  type PackMeta,
  type PackSource,
  type PolygonGeometry,
  type Position,
  type Responsibility,
  type Ring,
  type RoadClass,
  type RoadSegment,
  type SmallCategory,
  type Taxonomy,
} from './types.js';
export { zoneOffsetMs, localToEpoch, localFields } from './time-zone.js';
