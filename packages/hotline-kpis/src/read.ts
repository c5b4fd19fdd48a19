import type { HotlineKpis, HotlineRankings } from '@cityops/schema';
import type { KpiLevel } from './contributions.js';
import {
  ROLLING_PERIOD,
  bucketsOf,
  kpisFromFields,
  rankingsOf,
  sumBuckets,
  type KpiNames,
  type RankingOptions,
} from './kpis.js';
import { monthStartMs, previousMonth } from './time.js';

/** What the reader needs of a store (structurally `Store.readVitals` of @cityops/store). */
export interface CounterReader {
  readVitals(
    group: string,
    fromBucket: number,
    toBucket: number,
  ): Promise<{
    buckets: Map<number, Record<string, number>>;
    progress: Record<string, { watermark: number | null }>;
    rebuilding: boolean;
  }>;
}

export interface KpiSource {
  month: { store: CounterReader; group: string };
  rolling: { store: CounterReader; group: string };
  timeZone: string;
  names?: KpiNames;
}

function watermarkOf(progress: Record<string, { watermark: number | null }>): number | null {
  let wm: number | null = null;
  for (const p of Object.values(progress))
    if (p.watermark !== null && (wm === null || p.watermark > wm)) wm = p.watermark;
  return wm;
}

/**
 * The KPIs of a level for a month (`YYYY-MM`) or `rolling-24h`, read from the aggregator's counters
 * (the same fields `KpiBook` sums offline; medians from the histogram). `asOf` is the latest event
 * time the stage has folded; `rebuilding` whether it is still catching up on a rebuild.
 */
export async function readKpis(
  src: KpiSource,
  level: KpiLevel,
  period: string,
): Promise<{ kpis: HotlineKpis; rebuilding: boolean }> {
  const where = period === ROLLING_PERIOD ? src.rolling : src.month;
  let wm: number | null = null;
  if (period === ROLLING_PERIOD) {
    // the window ends at the watermark: read the progress first
    wm = watermarkOf((await where.store.readVitals(where.group, 1, 0)).progress);
  }
  const { from, to } = bucketsOf(period, src.timeZone, wm);
  const read = await where.store.readVitals(where.group, from, Math.max(from, to));
  const buckets = [...read.buckets].filter(([b]) => b >= from && b <= to).map(([, f]) => f);
  const asOf = watermarkOf(read.progress);
  return { kpis: kpisFromFields(sumBuckets(buckets), level, period, asOf, src.names), rebuilding: read.rebuilding };
}

/** 红黑榜 and 每月一题 of a month from the aggregator's month counters (this month's and last month's bucket). */
export async function readRankings(
  src: KpiSource,
  level: 'street' | 'district',
  month: string,
  o: RankingOptions = {},
): Promise<{ rankings: HotlineRankings; rebuilding: boolean }> {
  const start = monthStartMs(month, src.timeZone);
  const prev = monthStartMs(previousMonth(month), src.timeZone);
  const read = await src.month.store.readVitals(src.month.group, prev, start);
  const fields = sumBuckets([read.buckets.get(start) ?? {}]);
  const before = sumBuckets([read.buckets.get(prev) ?? {}]);
  const kpis = kpisFromFields(fields, level, month, watermarkOf(read.progress), src.names);
  return {
    rankings: rankingsOf(kpis, fields, before, month, { ...o, names: o.names ?? src.names }),
    rebuilding: read.rebuilding,
  };
}
