import type { AreaFeature, AreaGeometry, AreaLevel, CityPack, LineStringGeometry, RoadClass } from './types.js';

export interface AreaProperties {
  id: string;
  name: string;
  nameEn: string | null;
  parentId: string;
  level: AreaLevel;
  generated: boolean;
}
export interface RoadProperties {
  id: string;
  name: string;
  nameEn: string | null;
  roadClass: RoadClass;
  speedLimitKmh: number;
  districtId: string;
}
export interface Feature<G, P> {
  type: 'Feature';
  id: string;
  geometry: G;
  properties: P;
}
export interface FeatureCollection<G, P> {
  type: 'FeatureCollection';
  features: Feature<G, P>[];
}

const LEVEL_LAYER: Record<AreaLevel, 'districts' | 'streets' | 'communities' | 'grids'> = {
  district: 'districts',
  street: 'streets',
  community: 'communities',
  grid: 'grids',
};

/**
 * The areas of one level as a GeoJSON FeatureCollection, for the screen. `parentId` may name any
 * ancestor (the city, a district, a street or a community), so the map can ask for "the grid cells
 * of 松江区" in one call when drilling down.
 *
 * @example
 * areasGeoJson(pack, 'street', 'sh-putuo')   // Putuo's streets/towns
 * areasGeoJson(pack, 'grid', 'sh-putuo-s03') // the cells of one street
 */
export function areasGeoJson(
  pack: CityPack,
  level: AreaLevel,
  parentId?: string,
): FeatureCollection<AreaGeometry, AreaProperties> {
  let items = pack[LEVEL_LAYER[level]];
  if (parentId !== undefined) {
    const parentOf = new Map<string, string>();
    for (const layer of [pack.districts, pack.streets, pack.communities])
      for (const a of layer) parentOf.set(a.id, a.parentId);
    const under = (a: AreaFeature): boolean => {
      for (let p: string | undefined = a.parentId; p !== undefined; p = parentOf.get(p))
        if (p === parentId) return true;
      return false;
    };
    items = items.filter(under);
  }
  return {
    type: 'FeatureCollection',
    features: items.map((a) => ({
      type: 'Feature',
      id: a.id,
      geometry: a.geometry,
      properties: {
        id: a.id,
        name: a.name,
        nameEn: a.nameEn ?? null,
        parentId: a.parentId,
        level,
        generated: a.generated,
      },
    })),
  };
}

/** Road segments as LineStrings, optionally of one district only. */
export function roadsGeoJson(
  pack: CityPack,
  districtId?: string,
): FeatureCollection<LineStringGeometry, RoadProperties> {
  const roads = districtId === undefined ? pack.roads : pack.roads.filter((r) => r.districtId === districtId);
  return {
    type: 'FeatureCollection',
    features: roads.map((r) => ({
      type: 'Feature',
      id: r.id,
      geometry: r.geometry,
      properties: {
        id: r.id,
        name: r.name,
        nameEn: r.nameEn ?? null,
        roadClass: r.roadClass,
        speedLimitKmh: r.speedLimitKmh,
        districtId: r.districtId,
      },
    })),
  };
}
