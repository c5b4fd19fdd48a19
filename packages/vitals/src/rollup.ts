import type { VitalCounts, VitalsSnapshot } from '@cityops/schema';
import type { VitalsRead } from '@cityops/store';
import { TOTAL_FIELD, dimensionOfPrefix } from './fields.js';
import type { KnownSources } from './sources.js';
import { BUCKET_MS, WINDOW_M15_MS, WINDOW_M1_MS, bucketOf } from './windows.js';

/** The watermark of the whole stream: the furthest event time any partition has reached. */
export function streamWatermark(read: Pick<VitalsRead, 'progress'>): number | null {
  let max: number | null = null;
  for (const p of Object.values(read.progress)) {
    if (p.watermark !== null && (max === null || p.watermark > max)) max = p.watermark;
  }
  return max;
}

/** The bucket range a snapshot ending at watermark `asOf` needs from the store. */
export function snapshotRange(asOf: number): { fromBucket: number; toBucket: number } {
  const toBucket = bucketOf(asOf);
  return { fromBucket: toBucket - WINDOW_M15_MS + BUCKET_MS, toBucket };
}

export interface RollupOptions {
  /** count sources not registered under `other` (also those counted by name before registration) */
  known?: KnownSources;
}

/**
 * Folds counter buckets into the rolling 1- and 15-minute windows that end at the stream's
 * watermark (event time, not arrival time). Windows are sliding at bucket resolution.
 * The per-key maps have no prototype: keys come from senders and the store, and a key such as
 * `constructor` or `__proto__` is counted like any other (JSON.stringify writes them as usual).
 */
export function rollup(read: VitalsRead, options: RollupOptions = {}): VitalsSnapshot {
  const asOf = streamWatermark(read);
  const empty: VitalsSnapshot = {
    asOf: null,
    updatedAt: read.updatedAt === null ? null : new Date(read.updatedAt).toISOString(),
    total: { m1: 0, m15: 0 },
    byDistrict: counts(),
    byStreet: counts(),
    bySource: counts(),
    byType: counts(),
    trend: [],
    bucketMs: BUCKET_MS,
    dropped: Object.assign(Object.create(null) as Record<string, number>, read.dropped),
    rebuilding: read.rebuilding,
  };
  if (asOf === null) return empty;
  const { fromBucket, toBucket } = snapshotRange(asOf);
  const m1From = toBucket - WINDOW_M1_MS + BUCKET_MS;
  const snap: VitalsSnapshot = { ...empty, asOf: new Date(asOf).toISOString() };
  for (let bucket = fromBucket; bucket <= toBucket; bucket += BUCKET_MS) {
    const counters = read.buckets.get(bucket);
    const total = counters && Object.hasOwn(counters, TOTAL_FIELD) ? counters[TOTAL_FIELD]! : 0;
    snap.trend.push([bucket, total]);
    if (!counters) continue;
    const inM1 = bucket >= m1From;
    for (const [field, count] of Object.entries(counters)) {
      if (field === TOTAL_FIELD) {
        add(snap.total, count, inM1);
        continue;
      }
      const sep = field.indexOf(':');
      const dim = dimensionOfPrefix.get(field.slice(0, sep));
      if (!dim) continue;
      let key = field.slice(sep + 1);
      if (dim === 'bySource' && options.known) key = options.known.countAs(key);
      const map = snap[dim];
      const c = Object.hasOwn(map, key) ? map[key]! : (map[key] = { m1: 0, m15: 0 });
      add(c, count, inM1);
    }
  }
  return snap;
}

/** A map from keys that come from outside: no prototype, so no key is already "there". */
function counts(): Record<string, VitalCounts> {
  return Object.create(null) as Record<string, VitalCounts>;
}

function add(c: VitalCounts, n: number, inM1: boolean): void {
  c.m15 += n;
  if (inM1) c.m1 += n;
}
