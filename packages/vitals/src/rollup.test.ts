import { describe, expect, it } from 'vitest';
import type { VitalsRead } from '@cityops/store';
import { fieldsOf } from './fields.js';
import { rollup, snapshotRange } from './rollup.js';
import { BUCKET_MS, bucketOf } from './windows.js';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

function readOf(events: Array<{ t: number; d: string; s: string; type: string }>, watermark: number): VitalsRead {
  const buckets = new Map<number, Record<string, number>>();
  for (const e of events) {
    const b = bucketOf(e.t);
    const counters = buckets.get(b) ?? {};
    for (const f of fieldsOf({ source: e.s, type: e.type, districtId: e.d })) counters[f] = (counters[f] ?? 0) + 1;
    buckets.set(b, counters);
  }
  return {
    buckets,
    progress: { 'city.events.v1:0': { nextOffset: events.length, watermark } },
    updatedAt: T0,
    dropped: {},
    rebuilding: false,
  };
}

describe('rollup', () => {
  it('counts an event in the 1-minute window only while it is within the last minute of event time', () => {
    const read = readOf(
      [
        { t: T0 - 30_000, d: 'sh-huangpu', s: 'sim', type: 'sensor.reading' },
        { t: T0 - 5 * 60_000, d: 'sh-huangpu', s: 'sim', type: 'sensor.reading' },
        { t: T0 - 20 * 60_000, d: 'sh-xuhui', s: 'sim', type: 'hotline.ticket' },
      ],
      T0,
    );
    const snap = rollup(read);
    expect(snap.total).toEqual({ m1: 1, m15: 2 });
    expect(snap.byDistrict['sh-huangpu']).toEqual({ m1: 1, m15: 2 });
    expect(snap.byDistrict['sh-xuhui']).toBeUndefined();
    expect(snap.byType['sensor.reading']).toEqual({ m1: 1, m15: 2 });
    expect(snap.asOf).toBe(new Date(T0).toISOString());
  });

  it('ends the windows at the furthest partition watermark, not at the wall clock', () => {
    const read = readOf([{ t: T0 - 70_000, d: 'a', s: 's', type: 't' }], T0 - 65_000);
    expect(rollup(read).total).toEqual({ m1: 1, m15: 1 });
  });

  it('returns an empty snapshot with null asOf before the first event', () => {
    const snap = rollup({
      buckets: new Map(),
      progress: {},
      updatedAt: null,
      dropped: { E_EVT_TOO_LATE: 2 },
      rebuilding: false,
    });
    expect(snap.asOf).toBeNull();
    expect(snap.total).toEqual({ m1: 0, m15: 0 });
    expect(snap.dropped).toEqual({ E_EVT_TOO_LATE: 2 });
  });

  it('has a 15-minute trend of one point per bucket, oldest first, ending at the watermark bucket', () => {
    const snap = rollup(readOf([{ t: T0, d: 'a', s: 's', type: 't' }], T0));
    expect(snap.trend).toHaveLength((15 * 60_000) / BUCKET_MS);
    expect(snap.trend.at(-1)).toEqual([bucketOf(T0), 1]);
    expect(snap.trend[0]![0]).toBe(snapshotRange(T0).fromBucket);
  });
});
