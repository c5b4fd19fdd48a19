import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '@cityops/bus';
import { bucketOf, knownSources } from '@cityops/vitals';
import { buildBatch } from './build-batch.js';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
let offset = 0;
function rec(t: number, district = 'sh-huangpu', source = 'sim', extra: Record<string, unknown> = {}): ConsumedRecord {
  const value = JSON.stringify({
    eventTime: new Date(t).toISOString(),
    source,
    type: 'sensor.reading',
    location: { districtId: district, streetId: `${district}-st1` },
    ...extra,
  });
  return { topic: 'city.events.v1', partition: 0, offset: offset++, key: 'g', value, timestamp: t };
}

describe('buildBatch', () => {
  it('sums increments per bucket and field, so the store work follows distinct counters, not events', () => {
    const built = buildBatch([rec(T0), rec(T0 + 1000), rec(T0 + 2000, 'sh-xuhui')], null, 60_000);
    const b = bucketOf(T0);
    const byField = Object.fromEntries(built.increments.map((i) => [`${i.bucket}|${i.field}`, i.by]));
    expect(byField).toEqual({
      [`${b}|total`]: 3,
      [`${b}|d:sh-huangpu`]: 2,
      [`${b}|d:sh-xuhui`]: 1,
      [`${b}|st:sh-huangpu-st1`]: 2,
      [`${b}|st:sh-xuhui-st1`]: 1,
      [`${b}|s:sim`]: 3,
      [`${b}|t:sensor.reading`]: 3,
    });
    expect(built.counted).toBe(3);
    expect(built.watermark).toBe(T0 + 2000);
  });

  it('drops events older than the watermark minus the allowed lateness, and counts them', () => {
    const built = buildBatch([rec(T0), rec(T0 - 61_000), rec(T0 - 59_000)], null, 60_000);
    expect(built.counted).toBe(2);
    expect(built.dropped).toEqual({ E_EVT_TOO_LATE: 1 });
  });

  it('starts from the stored watermark, so a late event after a restart is judged the same way', () => {
    const built = buildBatch([rec(T0 - 120_000)], T0, 60_000);
    expect(built.counted).toBe(0);
    expect(built.dropped).toEqual({ E_EVT_TOO_LATE: 1 });
    expect(built.watermark).toBe(T0);
  });

  it('counts out-of-order events inside the lateness in their own event-time bucket', () => {
    const built = buildBatch([rec(T0 + 30_000), rec(T0)], null, 60_000);
    const buckets = new Set(built.increments.map((i) => i.bucket));
    expect(buckets).toEqual(new Set([bucketOf(T0), bucketOf(T0 + 30_000)]));
  });

  it('dead-letters records that are not events instead of skipping them silently', () => {
    const bad: ConsumedRecord = { ...rec(T0), value: '{"eventTime":"yesterday"}' };
    const built = buildBatch([bad, { ...rec(T0), value: 'not json' }], null, 60_000);
    expect(built.counted).toBe(0);
    expect(built.dropped).toEqual({ E_EVT_SCHEMA: 2 });
    expect(built.deadLetters.map((d) => JSON.parse(d).code)).toEqual(['E_EVT_SCHEMA', 'E_EVT_SCHEMA']);
    expect(JSON.parse(built.deadLetters[0]!).reason).toMatch(/eventTime missing or not a time/);
  });

  it('counts sources no data team registered as other, so invented names cannot grow the vital signs', () => {
    const known = knownSources(['sim.sensors', 'e2e*']);
    const built = buildBatch(
      [rec(T0, 'd', 'sim.sensors'), rec(T0, 'd', 'e2e-1'), rec(T0, 'd', 'constructor'), rec(T0, 'd', 'made-up')],
      null,
      60_000,
      known,
    );
    const sources = Object.fromEntries(
      built.increments.filter((i) => i.field.startsWith('s:')).map((i) => [i.field, i.by]),
    );
    expect(sources).toEqual({ 's:sim.sensors': 1, 's:e2e-1': 1, 's:other': 2 });
  });
});
