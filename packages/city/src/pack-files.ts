/**
 * The on-disk form of a city pack: one `pack.json` plus one GeoJSON FeatureCollection per layer.
 * See PACK-FORMAT.md. A generator produces the same shape in memory, so every pack, generated or
 * read from disk, goes through one validator.
 */
export const PACK_FORMAT_VERSION = 1 as const;

export const PACK_FILES = {
  pack: 'pack.json',
  districts: 'districts.geojson',
  streets: 'streets.geojson',
  communities: 'communities.geojson',
  grids: 'grids.geojson',
  roads: 'roads.geojson',
  loadingZones: 'loading-zones.geojson',
} as const;

export type PackFileKey = keyof typeof PACK_FILES;

/** Parsed JSON content of each file, not yet validated. */
export type PackFiles = Record<PackFileKey, unknown>;
