/** A longitude/latitude pair in WGS84-like degrees, GeoJSON order. */
export type Position = [number, number];
/** A closed ring: first position equals last, at least 4 positions. */
export type Ring = Position[];

export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Ring[];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Ring[][];
}
export interface LineStringGeometry {
  type: 'LineString';
  coordinates: Position[];
}
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry;

/** The levels of the grid hierarchy: city > district > street/town (街镇) > community (居委/村委) > grid cell (网格). */
export type AreaLevel = 'district' | 'street' | 'community' | 'grid';
export const AREA_LEVELS: readonly AreaLevel[] = ['district', 'street', 'community', 'grid'];

/** One polygon of the hierarchy. A district's parent is the city (the pack's meta.id). */
export interface AreaFeature {
  id: string;
  name: string;
  nameEn?: string;
  parentId: string;
  level: AreaLevel;
  /** true when the feature was synthesised by a generator rather than taken from a real source. */
  generated: boolean;
  geometry: AreaGeometry;
}

export type RoadClass = 'arterial' | 'secondary' | 'branch';

export interface RoadSegment {
  id: string;
  name: string;
  nameEn?: string;
  roadClass: RoadClass;
  speedLimitKmh: number;
  districtId: string;
  generated: boolean;
  geometry: LineStringGeometry;
}

/** A designated loading/unloading bay (装卸货区) beside a road segment. */
export interface LoadingZone {
  id: string;
  name: string;
  nameEn?: string;
  roadId: string;
  districtId: string;
  /** How many vans can unload at once. */
  capacity: number;
  generated: boolean;
  geometry: PolygonGeometry;
}

export type CategoryKind = 'part' | 'event';

/** A large class (大类) of the 部件/事件 taxonomy, e.g. `E.06` 交通秩序. */
export interface CategoryClass {
  code: string;
  kind: CategoryKind;
  name: string;
  nameEn: string;
  small: SmallCategory[];
}
/** A small class (小类), e.g. `E.06.02` 快递车辆占道卸货. */
export interface SmallCategory {
  code: string;
  name: string;
  nameEn: string;
}
export interface Taxonomy {
  standard: string;
  classes: CategoryClass[];
}

/** 一门主责、其他配合: a department leads or assists on a category (a large-class code covers all its small classes). */
export interface Responsibility {
  code: string;
  role: 'lead' | 'assist';
}
/**
 * Where a department answers. `level: 'city'` covers the whole pack. With `level: 'district' | 'street'`
 * and no `areaIds`, every unit at that level answers for its own area (each 街道办 for its street);
 * with `areaIds`, only those areas.
 */
export interface AreaScope {
  level: 'city' | 'district' | 'street';
  areaIds?: string[];
}
export interface Department {
  id: string;
  name: string;
  nameEn: string;
  scope: AreaScope;
  responsibilities: Responsibility[];
  /** Must be on site within this many minutes for an emergency whistle (应急哨), when it is on call. */
  onSiteMinutes?: number;
}

export interface PackSource {
  name: string;
  url?: string;
  licence: string;
  /** Which part of the pack comes from this source. */
  what: string;
}

export interface PackMeta {
  id: string;
  name: string;
  nameEn?: string;
  version: string;
  licence: string;
  source: PackSource[];
  /** Per layer: true when it was generated (synthetic), false when it comes from real data. */
  generated: Record<'districts' | 'streets' | 'communities' | 'grids' | 'roads' | 'loadingZones', boolean>;
  /** Seed of the generator, when anything was generated. */
  seed?: number;
  /** IANA time zone of the city (times without an offset are read in it); `Asia/Shanghai` when a pack names none. */
  timeZone: string;
}

export interface CityPack {
  formatVersion: number;
  meta: PackMeta;
  districts: AreaFeature[];
  streets: AreaFeature[];
  communities: AreaFeature[];
  grids: AreaFeature[];
  roads: RoadSegment[];
  loadingZones: LoadingZone[];
  departments: Department[];
  taxonomy: Taxonomy;
  /** Category mappings by adapter name (`mappings/<adapter>.json`), validated against the taxonomy. */
  mappings?: Record<string, CategoryMapping>;
  /** The alert desk's deadlines by level, in minutes (`pack.json` `deadlines`); what is left out takes the desk's defaults. */
  deadlines?: WhistleDeadlines;
  /** 接诉即办 deadlines of 12345 tickets (`pack.json` `hotlineDeadlines`); without them packages/hotline-kpis' defaults */
  hotlineDeadlines?: HotlineDeadlines;
}

/**
 * 12345 ticket deadlines in minutes from `received`: respond within `respondMinutes`, resolve within
 * `resolveMinutes`; `byCategory` overrides both for category codes starting with `prefix` (the
 * longest matching prefix wins), e.g. emergencies `E.05`.
 */
export interface HotlineDeadlines {
  respondMinutes: number;
  resolveMinutes: number;
  byCategory?: Array<{ prefix: string; respondMinutes: number; resolveMinutes: number }>;
}

/**
 * Deadlines of the closed loop (吹哨报到), in minutes: acknowledge by alert severity; on site (报到)
 * and resolve by whistle level (常规 routine / 重点 priority / 应急 emergency).
 */
export interface WhistleDeadlines {
  ackMinutes?: Partial<Record<'critical' | 'major' | 'minor' | 'info', number>>;
  onSiteMinutes?: Partial<Record<'emergency' | 'priority' | 'routine', number>>;
  resolveMinutes?: Partial<Record<'emergency' | 'priority' | 'routine', number>>;
}

/** How one adapter's source category codes map to the taxonomy (`mappings/<adapter>.json`). */
export interface CategoryMapping {
  adapter: string;
  /** catch-all taxonomy code for a source code without a mapping (accepted, listed as unmapped) */
  fallback: string;
  /** source code → taxonomy code (large or small class) */
  codes: Record<string, string>;
}

export type LocateResult =
  { inside: true; gridId: string; communityId: string; streetId: string; districtId: string } | { inside: false };

export interface NearestRoad {
  roadId: string;
  distanceMeters: number;
}
