import type { AreaCollection, AreaLevel } from '../api/city-api.js';
import { echarts } from './echarts.js';
import { anchorOf } from './label-pick.js';
import type { LabelAnchor } from './label-pick.js';
import type { MapArea } from './map-option.js';

export interface RegisteredAreas {
  mapName: string;
  level: AreaLevel;
  areas: MapArea[];
  /** where each area's name would sit and how big the area is, for picking the names that fit */
  anchors: LabelAnchor[];
  /** the level's bounding box, [minLon, minLat, maxLon, maxLat] */
  bbox: [number, number, number, number];
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
  const anchors: LabelAnchor[] = [];
  const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  geo.features.forEach((f, i) => {
    const a = anchorOf(f.geometry);
    if (!a) return;
    anchors.push({ id: areas[i]!.id, at: a.at, size: a.size, text: areas[i]!.name });
    bbox[0] = Math.min(bbox[0], a.bbox[0]);
    bbox[1] = Math.min(bbox[1], a.bbox[1]);
    bbox[2] = Math.max(bbox[2], a.bbox[2]);
    bbox[3] = Math.max(bbox[3], a.bbox[3]);
  });
  return { mapName, level, areas, anchors, bbox };
}
