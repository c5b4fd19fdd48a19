import type { VitalCounts, VitalsSnapshot } from '@cityops/schema';
import type { VitalsRead } from '@cityops/store';
import { TOTAL_FIELD, dimensionOfPrefix } from './fields.js';
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

/**
 * Folds counter buckets into the rolling 1- and 15-minute windows that end at the stream's
 * watermark (event time, not arrival time). Windows are sliding at bucket resolution.
 */
export function rollup(read: VitalsRead): VitalsSnapshot {
  const asOf = streamWatermark(read);
  const empty: VitalsSnapshot = {
    asOf: null,
    updatedAt: read.updatedAt === null ? null : new Date(read.updatedAt).toISOString(),
    total: { m1: 0, m15: 0 },
    byDistrict: {},
    byStreet: {},
    bySource: {},
    byType: {},
    trend: [],
    bucketMs: BUCKET_MS,
    dropped: { ...read.dropped },
    rebuilding: read.rebuilding,
  };
  if (asOf === null) return empty;
  const { fromBucket, toBucket } = snapshotRange(asOf);
  const m1From = toBucket - WINDOW_M1_MS + BUCKET_MS;
  const snap: VitalsSnapshot = { ...empty, asOf: new Date(asOf).toISOString() };
  for (let bucket = fromBucket; bucket <= toBucket; bucket += BUCKET_MS) {
    const counters = read.buckets.get(bucket);
    snap.trend.push([bucket, counters?.[TOTAL_FIELD] ?? 0]);
    if (!counters) continue;
    const inM1 = bucket >= m1From;
    for (const [field, count] of Object.entries(counters)) {
      if (field === TOTAL_FIELD) {
        add(snap.total, count, inM1);
        continue;
      }
      const sep = field.indexOf(':');
      const dim = dimensionOfPrefix[field.slice(0, sep)];
      if (!dim) continue;
      const key = field.slice(sep + 1);
      const counts = (snap[dim][key] ??= { m1: 0, m15: 0 });
      add(counts, count, inM1);
    }
  }
  return snap;
}

function add(c: VitalCounts, n: number, inM1: boolean): void {
  c.m15 += n;
  if (inM1) c.m1 += n;
}
