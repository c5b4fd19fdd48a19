import type { KpiContext, KpiLevel } from './contributions.js';
import { DEFAULT_HOTLINE_DEADLINES, type HotlineDeadlines } from './deadlines.js';
import type { KpiNames } from './kpis.js';

/** What of a city pack the KPIs read (structurally a `CityPack` of @cityops/city). */
export interface KpiPack {
  meta: { id: string; name: string; nameEn?: string; timeZone: string };
  districts: ReadonlyArray<{ id: string; name: string; nameEn?: string }>;
  streets: ReadonlyArray<{ id: string; name: string; nameEn?: string }>;
  taxonomy: {
    classes: ReadonlyArray<{
      code: string;
      name: string;
      nameEn: string;
      small: ReadonlyArray<{ code: string; name: string; nameEn: string }>;
    }>;
  };
  hotlineDeadlines?: HotlineDeadlines;
}

/** The city, its time zone and its deadlines (the defaults when the pack has none). */
export function kpiContextOf(pack: KpiPack): KpiContext {
  return {
    cityId: pack.meta.id,
    timeZone: pack.meta.timeZone,
    deadlines: pack.hotlineDeadlines ?? DEFAULT_HOTLINE_DEADLINES,
  };
}

/** Area and category names from the pack. */
export function kpiNamesOf(pack: KpiPack): KpiNames {
  const areas = new Map<string, { zh: string; en: string }>();
  const n = (a: { name: string; nameEn?: string }) => ({ zh: a.name, en: a.nameEn ?? a.name });
  areas.set(`city|${pack.meta.id}`, n(pack.meta));
  for (const d of pack.districts) areas.set(`district|${d.id}`, n(d));
  for (const s of pack.streets) areas.set(`street|${s.id}`, n(s));
  const cats = new Map<string, { zh: string; en: string }>();
  for (const c of pack.taxonomy.classes) {
    cats.set(c.code, n(c));
    for (const s of c.small) cats.set(s.code, n(s));
  }
  return {
    area: (level: KpiLevel, id: string) => areas.get(`${level}|${id}`),
    category: (code: string) => cats.get(code),
  };
}

/**
 * The consumer groups of the hotline KPI stages, named after the aggregator's group, so that the
 * aggregator writes and the gateway reads the same namespaces: the router, the months, the rolling 24 h.
 */
export function hotlineGroups(aggregatorGroup: string): { router: string; month: string; rolling: string } {
  return {
    router: `${aggregatorGroup}.hotline`,
    month: `${aggregatorGroup}.hotline.month`,
    rolling: `${aggregatorGroup}.hotline.rolling`,
  };
}

const DAY = 24 * 3600_000;
/**
 * Bucket lifetimes of the two KPI namespaces (their stores are made with these): months are kept
 * 400 days after their last write (a year of boards, last month for 每月一题), rolling buckets 26 h.
 */
export const HOTLINE_MONTH_TTL_MS = 400 * DAY;
export const HOTLINE_ROLLING_TTL_MS = 26 * 3600_000;
