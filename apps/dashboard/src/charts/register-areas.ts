import type { AreaCollection, AreaLevel } from '../api/city-api.js';
import { echarts } from './echarts.js';
import type { MapArea } from './map-option.js';

export interface RegisteredAreas {
  mapName: string;
  level: AreaLevel;
  areas: MapArea[];
}

type GeoInput = Parameters<typeof echarts.registerMap>[1];

/** Registers a level's boundaries with ECharts under a unique name and lists its areas. */
export function registerAreas(level: AreaLevel, parent: string | undefined, geo: AreaCollection): RegisteredAreas {
  const mapName = `cityops:${level}:${parent ?? 'root'}`;
  echarts.registerMap(mapName, geo as unknown as GeoInput);
  const areas = geo.features.map((f) => ({
    id: String(f.properties.id),
    name: f.properties.name,
    nameEn: f.properties.nameEn,
  }));
  return { mapName, level, areas };
}
