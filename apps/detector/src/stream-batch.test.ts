import type { ConsumedRecord } from '@cityops/bus';
import type { FoldOutput } from '@cityops/stream';
import { describe, expect, it } from 'vitest';
import { RuleEngine } from './engine.js';
import { packContext } from './env.js';
import type { Rule } from './rules/rule.js';
import { decodeSlot } from './state.js';
import { BATCH_MAX_CHARS, markKeys, routerStage, ruleStage } from './stream.js';
import { T0, pack, ping } from './test/fixtures.js';

/** per vehicle: every ping signals `sink` under one key */
const source: Rule<{ n: number }> = {
  type: 'manhole_tilt',
  id: 'source',
  parameters: {},
  key: (e) => (e.type === 'delivery.vehicle' ? e.payload.vehicleId : null),
  step: (s, e) => ({
    state: { n: (s?.n ?? 0) + 1 },
    alerts: [],
    signals: [{ to: 'sink', key: 'all', at: Date.parse(e.eventTime), data: { id: e.id } }],
  }),
  wake: (s) => ({ state: s, alerts: [] }),
};
/** counts the signals it gets */
const sink: Rule<{ ids: string[] }> = {
  type: 'noise_night',
  id: 'sink',
  parameters: {},
  key: () => null,
  step: (s) => ({ state: s, alerts: [] }),
  wake: (s) => ({ state: s, alerts: [] }),
  signal: (s, sig) => ({ state: { ids: [...(s?.ids ?? []), String(sig.data.id)] }, alerts: [] }),
};

const engine = new RuleEngine([source, sink], packContext(pack));
const asConsumed = (out: FoldOutput, topic: string): ConsumedRecord[] =>
  (out.outgoing ?? [])
    .filter((r) => r.topic === topic)
    .map((r, i) => ({ topic, partition: 0, offset: i, timestamp: T0, key: r.key, value: r.value }));

describe('the internal topic in batch records', () => {
  const events = Array.from({ length: 40 }, (_, i) => ping(`v${i % 10}`, T0 + i * 1000, [121.47, 31.23]));
  const input: ConsumedRecord[] = events.map((e, i) => ({
    topic: 'city.events.v1',
    partition: 2,
    offset: 100 + i,
    timestamp: T0 + i * 1000,
    key: 'g',
    value: JSON.stringify(e),
  }));
  const router = routerStage({ group: 'r', engine, allowedLatenessMs: 60_000, byKeyTopic: 'bk' });
  const routed = router.fold({
    topic: 'city.events.v1',
    partition: 2,
    records: input,
    watermark: null,
    state: new Map(),
  });

  it('the router writes at most one record per internal partition, under its mark key, holding every route in order', () => {
    const keys = markKeys(8);
    const out = routed.outgoing ?? [];
    expect(out.length).toBeLessThanOrEqual(8);
    expect(new Set(out.map((r) => r.key)).size).toBe(out.length);
    for (const r of out) expect(keys).toContain(r.key);
    const items = out.flatMap(
      (r) => (JSON.parse(r.value) as { k: string; items: Array<{ k: string; o: number }> }).items,
    );
    // 40 events, one route each, and one watermark mark per partition
    expect(items.filter((v) => v.k === 'e')).toHaveLength(40);
    expect(items.filter((v) => v.k === 'm')).toHaveLength(8);
    for (const r of out) {
      const offs = (JSON.parse(r.value) as { items: Array<{ k: string; o: number }> }).items.map((v) => v.o);
      expect(offs).toEqual([...offs].sort((a, b) => a - b));
    }
  });

  it('signals made by several items of one input record all arrive (their ids differ)', () => {
    // one vehicle: all its routes in one record of one internal partition
    const one = input.map((r, i) => ({ ...r, value: JSON.stringify(ping('v1', T0 + i * 1000, [121.47, 31.23])) }));
    const routedOne = router.fold({
      topic: 'city.events.v1',
      partition: 2,
      records: one,
      watermark: null,
      state: new Map(),
    });
    const toV1 = asConsumed(routedOne, 'bk').filter((r) => r.value.includes('"k":"e"'));
    expect(toV1).toHaveLength(1);
    const rules = ruleStage({ group: 'g', engine, upstreamPartitions: 8, byKeyTopic: 'bk' });
    const first = rules.fold({
      topic: 'bk',
      partition: 0,
      records: toV1,
      watermark: null,
      state: new Map(),
    });
    const signals = asConsumed(first, 'bk');
    const items = signals.flatMap(
      (r) => (JSON.parse(r.value) as { items: Array<{ k: string; o: number; i: number }> }).items,
    );
    const sigs = items.filter((v) => v.k === 's');
    expect(sigs).toHaveLength(40);
    expect(new Set(sigs.map((v) => `${v.o}/${v.i}`)).size).toBe(40);
    const second = rules.fold({ topic: 'bk', partition: 1, records: signals, watermark: null, state: new Map() });
    const got = decodeSlot(second.set?.find(([k]) => k === 'sink|all')?.[1])?.entry.s as { ids: string[] };
    expect(got.ids).toHaveLength(40);
    expect(second.dropped?.E_EVT_DUPLICATE ?? 0).toBe(0);
  });

  it('a partition whose items pass the size bound is split into several records, none larger', () => {
    const big = Array.from({ length: 3000 }, (_, i) => ping('v1', T0 + i * 1000, [121.47, 31.23]));
    const out = router.fold({
      topic: 'city.events.v1',
      partition: 2,
      records: big.map((e, i) => ({
        topic: 'city.events.v1',
        partition: 2,
        offset: i,
        timestamp: T0,
        key: 'g',
        value: JSON.stringify(e),
      })),
      watermark: null,
      state: new Map(),
    });
    const records = out.outgoing ?? [];
    expect(records.length).toBeGreaterThan(8);
    for (const r of records) expect(r.value.length).toBeLessThanOrEqual(BATCH_MAX_CHARS + 100);
    const n = records
      .flatMap((r) => (JSON.parse(r.value) as { items: Array<{ k: string }> }).items)
      .filter((v) => v.k === 'e');
    expect(n).toHaveLength(3000);
  });
});
