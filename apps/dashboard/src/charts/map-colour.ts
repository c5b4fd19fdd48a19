import type { AreaThemes, VitalCounts } from '@cityops/schema';

/**
 * How the map is coloured (issue 12 part 2): by deviation from the usual for this hour (the
 * themes' health index, 100 = as usual or better), by density (events per km² in 15 min, from
 * the pack's areas), or, only as a fallback when the themes are absent, by raw counts, and
 * then labelled as such: a big district is not a busy one.
 */
export type MapColourBy = 'deviation' | 'density' | 'raw';
export const MAP_COLOUR_MODES: readonly MapColourBy[] = ['deviation', 'density', 'raw'];

export const COLOUR_LABELS: Record<MapColourBy, { zh: string; en: string }> = {
  deviation: { zh: '偏离常态', en: 'vs usual for this hour' },
  density: { zh: '事件密度', en: 'events per km²' },
  raw: { zh: '原始计数', en: 'raw counts' },
};

export interface MapColourInput {
  areaIds: string[];
  requested: MapColourBy;
  /** the vitals counts of this level, null when the level has none */
  counts: Record<string, VitalCounts> | null;
  /** the themes of this level's areas (themes.byDistrict / byStreet), absent without themes */
  themes?: Record<string, AreaThemes> | undefined;
  areaKm2?: Record<string, number> | undefined;
}

export interface MapColouring {
  /** what the map is coloured by (the requested mode, or raw when that cannot be drawn) */
  mode: MapColourBy;
  /** true when `mode` is not what was asked for */
  fallback: boolean;
  /** value per area; null = nothing to say (drawn as "no data", never as zero) */
  values: Map<string, number | null>;
  min: number;
  max: number;
  /** true when a higher value is better (the health index): the colour ramp is reversed */
  higherIsBetter: boolean;
  /** the legend's caption */
  caption: string;
}

/** 1/2/5 × 10^n at or above `v`, so the legend's scale moves rarely, not with every delta. */
export function niceMax(v: number, floor = 10): number {
  if (!(v > 0)) return floor;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return Math.max(floor, m * p);
  return 10 * p;
}

const finite = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function mapColouring({ areaIds, requested, counts, themes, areaKm2 }: MapColourInput): MapColouring {
  if (requested === 'deviation' && themes) {
    const values = new Map(areaIds.map((id) => [id, finite(themes[id]?.health) ? themes[id]!.health! : null]));
    if ([...values.values()].some((v) => v !== null))
      return {
        mode: 'deviation',
        fallback: false,
        values,
        min: 0,
        max: 100,
        higherIsBetter: true,
        caption: '体征指数 health index · 100 = 常态 as usual',
      };
  }
  if (requested === 'density' && counts && areaKm2) {
    const values = new Map(
      areaIds.map((id) => {
        const km2 = areaKm2[id];
        return [id, finite(km2) && km2 > 0 ? (counts[id]?.m15 ?? 0) / km2 : null] as const;
      }),
    );
    const known = [...values.values()].filter((v): v is number => v !== null);
    if (known.length > 0)
      return {
        mode: 'density',
        fallback: false,
        values,
        min: 0,
        max: niceMax(Math.max(0, ...known), 1),
        higherIsBetter: false,
        caption: '每平方公里事件 events / km² · 15 min',
      };
  }
  // raw counts: a district absent from the counts had no events in the window (the snapshot is complete)
  const values = new Map(areaIds.map((id) => [id, counts ? (counts[id]?.m15 ?? 0) : null]));
  const fallback = requested !== 'raw';
  return {
    mode: 'raw',
    fallback,
    values,
    min: 0,
    max: counts ? niceMax(Math.max(0, ...areaIds.map((id) => counts[id]?.m15 ?? 0))) : 10,
    higherIsBetter: false,
    caption: fallback
      ? '原始计数 raw counts · 体征未就绪 themes not available'
      : '原始计数 raw counts · 15 min (未按面积 not per area)',
  };
}

export function parseColourBy(search: string): { colourBy: MapColourBy; issue: string | null } {
  const raw = new URLSearchParams(search).get('color') ?? new URLSearchParams(search).get('colour');
  if (raw === null || raw === '') return { colourBy: 'deviation', issue: null };
  const v = raw.trim().toLowerCase().slice(0, 16);
  if ((MAP_COLOUR_MODES as readonly string[]).includes(v)) return { colourBy: v as MapColourBy, issue: null };
  return {
    colourBy: 'deviation',
    issue: `E_WALL_COLOR: color=${raw.slice(0, 16)} is not one of ${MAP_COLOUR_MODES.join(', ')}`,
  };
}
