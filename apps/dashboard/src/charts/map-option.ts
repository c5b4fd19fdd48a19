import type { AreaThemes, VitalCounts } from '@cityops/schema';
import { escapeHtml, formatCount } from '../format.js';
import { mapColouring } from './map-colour.js';
import type { MapColourBy, MapColouring } from './map-colour.js';
import type { ChartOption, FormatterParams } from './options.js';
import { FONT_FAMILY, palette } from './theme.js';

export { niceMax } from './map-colour.js';

export interface MapArea {
  id: string;
  name: string;
  nameEn: string;
}

export interface MapOptionInput {
  /** the name the GeoJSON was registered under */
  mapName: string;
  areas: MapArea[];
  /** counts by area id; null when there are none for this level (or no data at all) */
  counts: Record<string, VitalCounts> | null;
  stale: boolean;
  /** what to colour by (see mapColouring); default raw counts */
  colourBy?: MapColourBy;
  /** this level's themes (vitals.themes.byDistrict / byStreet) and the pack's areas in km² */
  themes?: Record<string, AreaThemes> | undefined;
  areaKm2?: Record<string, number> | undefined;
  /** the areas whose names are drawn (label-pick.ts); all (up to MAX_LABELLED_AREAS) when absent */
  labelled?: ReadonlySet<string>;
}

/** the map's label size in design px, and the room the map series leaves above and below */
export const MAP_LABEL_PX = 15;
export const MAP_TOP_PX = 64;
export const MAP_BOTTOM_PX = 24;
export const MAP_ASPECT_SCALE = 0.86;

/** Above this many areas the map draws outlines only (grid level). */
export const MAX_LABELLED_AREAS = 40;

/** the health ramp: low (unusual, bad) red → 100 (as usual) calm blue */
const HEALTH_RAMP = ['#ff3b4e', '#ff8a2a', '#f5d442', '#3ee6c8', '#1fa4d8', '#1456a8'];

const fmt = (c: MapColouring, v: number): string =>
  c.mode === 'density' ? (v >= 100 ? formatCount(v) : v.toFixed(v >= 10 ? 0 : 1)) : formatCount(v);

/** What `mapOption` colours by for this input (the caption and fallback shown beside the map). */
export function colouringOf(input: MapOptionInput): MapColouring {
  return mapColouring({
    areaIds: input.areas.map((a) => a.id),
    requested: input.colourBy ?? 'raw',
    counts: input.counts,
    themes: input.themes,
    areaKm2: input.areaKm2,
  });
}

/**
 * The choropleth of one level. Regions are keyed by `properties.id` (`nameProperty`), because
 * display names are not unique across a city; labels and tooltips look the names up.
 */
export function mapOption(input: MapOptionInput): ChartOption {
  const { mapName, areas, counts, stale, themes, areaKm2 } = input;
  const byId = new Map(areas.map((a) => [a.id, a]));
  const colouring = colouringOf(input);
  const { labelled } = input;
  const data = areas.map((a) => ({
    name: a.id,
    value: colouring.values.get(a.id) ?? ('-' as const),
    ...(labelled ? { label: { show: labelled.has(a.id) } } : {}),
  }));
  const nameOf = (id: string): string => byId.get(id)?.name ?? id;
  const ramp = colouring.higherIsBetter ? HEALTH_RAMP : [...palette.heat];

  return {
    tooltip: {
      trigger: 'item',
      backgroundColor: 'rgba(6, 18, 40, 0.94)',
      borderColor: palette.accent,
      textStyle: { color: palette.text, fontFamily: FONT_FAMILY, fontSize: 18 },
      formatter: (raw: unknown) => {
        const p = raw as FormatterParams;
        const area = byId.get(p.name);
        const c = counts?.[p.name];
        const t = themes?.[p.name];
        const km2 = areaKm2?.[p.name];
        const head = `<b style="font-size:22px">${escapeHtml(area?.name ?? p.name)}</b> <span style="color:${palette.textDim}">${escapeHtml(area?.nameEn ?? '')}</span>`;
        if (!counts)
          return `${head}<br/><span style="color:${palette.textDim}">本级暂无统计 No figures at this level</span>`;
        const staleNote = stale ? `<br/><span style="color:${palette.warn}">数据滞后 STALE</span>` : '';
        const health = t?.health === undefined ? '' : `<br/>体征指数 health: <b>${Math.round(t.health)}</b>`;
        const density =
          km2 && km2 > 0
            ? `<br/>密度 density: <b>${((c?.m15 ?? 0) / km2).toFixed(1)}</b> /km² (${km2.toFixed(1)} km²)`
            : '';
        return `${head}<br/>近1分钟 1 min: <b>${formatCount(c?.m1 ?? 0)}</b><br/>近15分钟 15 min: <b>${formatCount(c?.m15 ?? 0)}</b>${health}${density}${staleNote}`;
      },
    },
    visualMap: {
      type: 'continuous',
      show: counts !== null || colouring.mode === 'deviation',
      min: colouring.min,
      max: colouring.max,
      calculable: false,
      realtime: false,
      left: 28,
      bottom: 28,
      itemWidth: 18,
      itemHeight: 180,
      text: colouring.higherIsBetter ? ['常态 Usual', '异常 Unusual'] : ['高 High', '低 Low'],
      textGap: 12,
      textStyle: { color: stale ? palette.stale : palette.textDim, fontFamily: FONT_FAMILY, fontSize: 16 },
      inRange: { color: stale ? [...palette.staleHeat] : ramp },
      outOfRange: { color: palette.staleDim },
      formatter: (v: unknown) => fmt(colouring, Number(v)),
    },
    series: [
      {
        type: 'map',
        map: mapName,
        nameProperty: 'id',
        roam: false,
        selectedMode: false,
        aspectScale: MAP_ASPECT_SCALE,
        top: MAP_TOP_PX,
        bottom: MAP_BOTTOM_PX,
        left: 'center',
        data,
        label: {
          // hundreds of grid cells cannot all be named legibly; their names are in the tooltip
          show: areas.length <= MAX_LABELLED_AREAS,
          color: stale ? palette.stale : 'rgba(235, 245, 255, 0.92)',
          fontFamily: FONT_FAMILY,
          fontSize: MAP_LABEL_PX,
          textBorderColor: 'rgba(2, 8, 20, 0.85)',
          textBorderWidth: 3,
          formatter: (raw: unknown) => nameOf((raw as FormatterParams).name),
        },
        labelLayout: { hideOverlap: true },
        itemStyle: {
          areaColor: palette.staleDim,
          borderColor: stale ? 'rgba(150, 160, 175, 0.5)' : 'rgba(120, 210, 255, 0.75)',
          borderWidth: 1.2,
          // a glow per polygon is affordable for districts and streets; for hundreds of grid cells it
          // costs most of a drill's frame time, so the grid level draws plain outlines
          shadowColor: stale ? 'transparent' : 'rgba(53, 208, 255, 0.35)',
          shadowBlur: areas.length <= MAX_LABELLED_AREAS ? 10 : 0,
        },
        emphasis: {
          label: { show: true, color: '#ffffff', fontSize: 18, fontWeight: 'bold' },
          itemStyle: { areaColor: palette.accent2, borderColor: '#ffffff', borderWidth: 2 },
        },
      },
    ],
  };
}
