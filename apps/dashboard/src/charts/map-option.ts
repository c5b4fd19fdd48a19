import type { VitalCounts } from '@cityops/schema';
import { escapeHtml, formatCount } from '../format.js';
import type { ChartOption, FormatterParams } from './options.js';
import { FONT_FAMILY, palette } from './theme.js';

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
}

/** Above this many areas the map draws outlines only (grid level). */
export const MAX_LABELLED_AREAS = 40;

/** 1/2/5 × 10^n at or above `v`, so the legend's scale moves rarely, not with every delta. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 10;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return Math.max(10, m * p);
  return 10 * p;
}

/**
 * The choropleth of one level. Regions are keyed by `properties.id` (`nameProperty`), because
 * display names are not unique across a city; labels and tooltips look the names up.
 */
export function mapOption({ mapName, areas, counts, stale }: MapOptionInput): ChartOption {
  const byId = new Map(areas.map((a) => [a.id, a]));
  // a district absent from byDistrict had no events in the window: a real zero, since the snapshot is complete
  const data = areas.map((a) => ({ name: a.id, value: counts ? (counts[a.id]?.m15 ?? 0) : ('-' as const) }));
  const max = counts ? niceMax(Math.max(0, ...areas.map((a) => counts[a.id]?.m15 ?? 0))) : 10;
  const nameOf = (id: string): string => byId.get(id)?.name ?? id;

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
        const head = `<b style="font-size:22px">${escapeHtml(area?.name ?? p.name)}</b> <span style="color:${palette.textDim}">${escapeHtml(area?.nameEn ?? '')}</span>`;
        if (!counts)
          return `${head}<br/><span style="color:${palette.textDim}">本级暂无统计 No figures at this level</span>`;
        const staleNote = stale ? `<br/><span style="color:${palette.warn}">数据滞后 STALE</span>` : '';
        return `${head}<br/>近1分钟 1 min: <b>${formatCount(c?.m1 ?? 0)}</b><br/>近15分钟 15 min: <b>${formatCount(c?.m15 ?? 0)}</b>${staleNote}`;
      },
    },
    visualMap: {
      type: 'continuous',
      show: counts !== null,
      min: 0,
      max,
      calculable: false,
      realtime: false,
      left: 28,
      bottom: 28,
      itemWidth: 18,
      itemHeight: 180,
      text: ['高 High', '低 Low'],
      textGap: 12,
      textStyle: { color: stale ? palette.stale : palette.textDim, fontFamily: FONT_FAMILY, fontSize: 16 },
      inRange: { color: stale ? [...palette.staleHeat] : [...palette.heat] },
      outOfRange: { color: palette.staleDim },
      formatter: (v: unknown) => formatCount(Number(v)),
    },
    series: [
      {
        type: 'map',
        map: mapName,
        nameProperty: 'id',
        roam: false,
        selectedMode: false,
        aspectScale: 0.86,
        top: 64,
        bottom: 24,
        left: 'center',
        data,
        label: {
          // hundreds of grid cells cannot all be named legibly; their names are in the tooltip
          show: areas.length <= MAX_LABELLED_AREAS,
          color: stale ? palette.stale : 'rgba(235, 245, 255, 0.92)',
          fontFamily: FONT_FAMILY,
          fontSize: 15,
          textBorderColor: 'rgba(2, 8, 20, 0.85)',
          textBorderWidth: 3,
          formatter: (raw: unknown) => nameOf((raw as FormatterParams).name),
        },
        labelLayout: { hideOverlap: true },
        itemStyle: {
          areaColor: palette.staleDim,
          borderColor: stale ? 'rgba(150, 160, 175, 0.5)' : 'rgba(120, 210, 255, 0.75)',
          borderWidth: 1.2,
          shadowColor: stale ? 'transparent' : 'rgba(53, 208, 255, 0.35)',
          shadowBlur: 10,
        },
        emphasis: {
          label: { show: true, color: '#ffffff', fontSize: 18, fontWeight: 'bold' },
          itemStyle: { areaColor: palette.accent2, borderColor: '#ffffff', borderWidth: 2 },
        },
      },
    ],
  };
}
