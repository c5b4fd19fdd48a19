import { geometryAreaKm2, type CityPack } from '@cityops/city';
import type { AreaThemes, ThemesSnapshot } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { Baselines, deviationOf, metricOf, type BaselineSeed } from './baseline.js';
import { healthIndex } from './health.js';
import { areaValues, byArea } from './read.js';
import { hourOfWeek } from './time.js';

/** The themes stages' groups, derived from the aggregator's group so that both sides agree. */
export function themesGroups(aggregatorGroup: string): { events: string; vans: string } {
  return { events: `${aggregatorGroup}.themes`, vans: `${aggregatorGroup}.themes.vans` };
}

/** The internal topic the themes stage repartitions vehicle fixes through, by vehicle. */
export const VAN_TOPIC = 'cityops.themes.by-vehicle.v1';

export interface ThemesViewOptions {
  store: Pick<Store, 'readGauges' | 'readProgress'>;
  /** the aggregator's group (AGGREGATOR_GROUP): the themes groups are derived from it */
  group: string;
  pack: CityPack;
  seed?: BaselineSeed;
  /** one trend point per this much event time (default 5 min), at most `trendPoints` (default 72: 6 h) */
  trendEveryMs?: number;
  trendPoints?: number;
}

const roundBaseline = (key: string, x: number) => {
  const unit = metricOf(key)?.unit;
  const k = unit === 'share' || unit === 'ratio' ? 100 : 10;
  return Math.round(x * k) / k;
};

/**
 * Builds the `themes` of the vitals snapshot from the themes stages' gauges: figures per area,
 * the usual value for this hour of the week with the deviation from it, the health index and its
 * trend, and the areas' km². The baselines learn from what it reads (an hour's mean per slot), and
 * the trend is kept here: both live in the process (a restarted gateway starts again from the seed).
 */
export class ThemesView {
  readonly baselines: Baselines;
  private readonly groups: { events: string; vans: string };
  private readonly areaKm2: Record<string, number>;
  private readonly trend: Record<string, Array<[number, number]>> = {};
  private lastSampled: number | null = null;

  constructor(private readonly opts: ThemesViewOptions) {
    this.groups = themesGroups(opts.group);
    this.baselines = new Baselines(opts.seed && opts.seed.packId === opts.pack.meta.id ? { seed: opts.seed } : {});
    const km2: Record<string, number> = {};
    let city = 0;
    for (const d of opts.pack.districts) {
      const a = geometryAreaKm2(d.geometry);
      city += a;
      km2[d.id] = Math.round(a * 100) / 100;
    }
    for (const s of opts.pack.streets) km2[s.id] = Math.round(geometryAreaKm2(s.geometry) * 100) / 100;
    km2.city = Math.round(city * 100) / 100;
    this.areaKm2 = km2;
  }

  /** reads the gauges and the themes stage's watermark; undefined until the stage has figures */
  async read(): Promise<ThemesSnapshot | undefined> {
    const { store } = this.opts;
    const [events, vans, progress] = await Promise.all([
      store.readGauges(this.groups.events),
      store.readGauges(this.groups.vans),
      store.readProgress(this.groups.events),
    ]);
    let asOf: number | null = null;
    for (const p of Object.values(progress))
      if (p.watermark !== null && (asOf === null || p.watermark > asOf)) asOf = p.watermark;
    if (asOf === null) return undefined;
    return this.build({ ...events, ...vans }, asOf);
  }

  /** the snapshot's themes from merged gauges at event time `asOf` (and one learning sample) */
  build(gauges: Record<string, number>, asOf: number): ThemesSnapshot | undefined {
    const tz = this.opts.pack.meta.timeZone;
    const areas = byArea(gauges);
    const city = areas.get('c');
    if (!city) return undefined;
    const how = hourOfWeek(asOf, tz);
    const sample = this.lastSampled !== asOf;
    this.lastSampled = asOf;
    const area = (gaugeKey: string, baselineKey: string, qualified: boolean): AreaThemes => {
      const all = areaValues(areas.get(gaugeKey), { asOf, timeZone: tz, city });
      const values: Record<string, number> = {};
      const baseline: Record<string, number> = {};
      const deviation: Record<string, number> = {};
      for (const [key, v] of Object.entries(all)) {
        if (!qualified && key.includes(':')) continue;
        values[key] = v;
        if (sample) this.baselines.observe(baselineKey, key, v, how);
        const usual = this.baselines.expected(baselineKey, key, how);
        if (!usual) continue;
        baseline[key] = roundBaseline(key, usual.mean);
        const d = deviationOf(key, v, usual);
        if (d !== undefined) deviation[key] = d;
      }
      const health = healthIndex(values, deviation);
      return health === undefined ? { values, baseline, deviation } : { values, baseline, deviation, health };
    };
    const byDistrict: Record<string, AreaThemes> = {};
    for (const d of this.opts.pack.districts) byDistrict[d.id] = area(`d:${d.id}`, d.id, true);
    const byStreet: Record<string, AreaThemes> = {};
    for (const [key] of areas) if (key.startsWith('st:')) byStreet[key.slice(3)] = area(key, key, false);
    const cityThemes = area('c', 'city', true);
    this.addTrend('city', asOf, cityThemes.health);
    for (const [id, t] of Object.entries(byDistrict)) this.addTrend(id, asOf, t.health);
    return {
      asOf: new Date(asOf).toISOString(),
      hourOfWeek: how,
      city: cityThemes,
      byDistrict,
      byStreet,
      healthTrend: Object.fromEntries(Object.entries(this.trend).map(([k, v]) => [k, v.map((p) => [p[0], p[1]])])),
      areaKm2: this.areaKm2,
    };
  }

  private addTrend(id: string, asOf: number, health: number | undefined): void {
    if (health === undefined) return;
    const every = this.opts.trendEveryMs ?? 5 * 60_000;
    const at = Math.floor(asOf / every) * every;
    const ring = (this.trend[id] ??= []);
    const last = ring.at(-1);
    if (last && last[0] === at) last[1] = health;
    else if (!last || at > last[0]) ring.push([at, health]);
    const max = this.opts.trendPoints ?? 72;
    if (ring.length > max) ring.splice(0, ring.length - max);
  }
}
