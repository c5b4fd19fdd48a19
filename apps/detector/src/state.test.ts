import type { ConsumedRecord } from '@cityops/bus';
import type { CityEvent } from '@cityops/schema';
import type { FoldInput, FoldOutput } from '@cityops/stream';
import { describe, expect, it } from 'vitest';
import { RuleEngine } from './engine.js';
import { packContext } from './env.js';
import type { Rule } from './rules/rule.js';
import { DecodedCache, FoldState, decodeSlot, encodeSlot, type Slot } from './state.js';
import { routedEvent, ruleStage } from './stream.js';
import { T0, pack, ping } from './test/fixtures.js';

const slot = (n: number, wakeAt?: number): Slot => ({ wakeAt, entry: { s: { n } } });

describe('FoldState and DecodedCache', () => {
  it('serialises a key once per commit however often it was written, and deletes only stored keys', () => {
    let encodes = 0;
    const counted = (n: number): Slot => ({ wakeAt: 5, entry: { s: { n, toJSON: () => (encodes++, { n }) } } });
    const base = new Map([['gone|1', encodeSlot(slot(1))]]);
    const fs = new FoldState(base, new DecodedCache());
    for (let i = 0; i < 100; i++) fs.write('a|1', counted(i));
    fs.remove('gone|1');
    fs.remove('never|1');
    const { set, del } = fs.commit();
    expect(encodes).toBe(1);
    expect(set).toEqual([['a|1', '5|{"s":{"n":99}}']]);
    expect(del).toEqual(['gone|1']);
  });

  it('hands out a cached object only for the very string it was encoded to', () => {
    const cache = new DecodedCache();
    const state = new Map<string, string>();
    const first = new FoldState(state, cache);
    const mine = slot(1, 10);
    first.write('k|1', mine);
    const { set } = first.commit();
    for (const [k, v] of set) state.set(k, v);
    // the apply happened: the next fold gets the same object, no JSON parse
    const second = new FoldState(state, cache);
    expect(second.read('k|1')).toBe(mine);
    expect(cache.hits).toBe(1);
    // the next fold's apply did not happen (state still holds the first string): decoded from the string
    (mine.entry.s as { n: number }).n = 2;
    second.write('k|1', mine);
    second.commit();
    const third = new FoldState(state, cache);
    const got = third.read('k|1')!;
    expect(got).not.toBe(mine);
    expect(got).toEqual(decodeSlot(state.get('k|1')));
    expect((got.entry.s as { n: number }).n).toBe(1);
  });

  it('a read without a write gives the object back to the cache; the cache keeps at most max keys', () => {
    const cache = new DecodedCache(2);
    const state = new Map([
      ['a|1', encodeSlot(slot(1))],
      ['b|1', encodeSlot(slot(2))],
      ['c|1', encodeSlot(slot(3))],
    ]);
    const fs = new FoldState(state, cache);
    const a = fs.read('a|1');
    expect(fs.read('a|1')).toBe(a);
    fs.read('b|1');
    fs.read('c|1');
    fs.commit();
    expect(cache.size).toBe(2);
    expect(new FoldState(state, cache).read('c|1')).toBeDefined();
    expect(cache.hits).toBe(1);
  });

  it('strict: every read decodes the stored string, so a change to a read object is not kept', () => {
    const state = new Map([['a|1', encodeSlot(slot(1))]]);
    const fs = new FoldState(state, null);
    (fs.read('a|1')!.entry.s as { n: number }).n = 9;
    expect((fs.read('a|1')!.entry.s as { n: number }).n).toBe(1);
    fs.write('a|1', slot(3));
    expect(fs.read('a|1')).toEqual(slot(3));
  });
});

/** counts events per vehicle, changing its state in place, and throws (after the change) on an id ending in `boom` */
const counting: Rule<{ n: number; ids: string[] }> = {
  type: 'manhole_tilt',
  id: 'count',
  parameters: {},
  key: (e) => (e.type === 'delivery.vehicle' ? e.payload.vehicleId : null),
  step(s, e) {
    const st = s ?? { n: 0, ids: [] };
    st.n += 1;
    st.ids.push(e.id);
    if (e.id.endsWith('boom')) throw new Error('boom');
    return { state: st, alerts: [] };
  },
  wake: (s) => ({ state: s, alerts: [] }),
};

const vehicleOf = (e: CityEvent) => String((e.payload as { vehicleId?: string }).vehicleId);

function records(events: CityEvent[], from = 0): ConsumedRecord[] {
  return events.map((e, i) => ({
    topic: 'by-key',
    partition: 0,
    offset: from + i,
    timestamp: T0,
    key: `count|${vehicleOf(e)}`,
    value: routedEvent('e0', from + i, 0, 'count', vehicleOf(e), JSON.stringify(e)),
  }));
}

const countOf = (out: FoldOutput, key: string) => {
  const v = out.set?.find(([k]) => k === key)?.[1];
  return (decodeSlot(v)?.entry.s as { n: number; ids: string[] } | undefined)?.n;
};

describe('the rule stage with decoded state', () => {
  const engine = new RuleEngine([counting], packContext(pack));
  const events = [0, 1, 2, 3].map((i) => ping('v1', T0 + i * 1000, [121.47, 31.23]));
  events[2]!.id = `${events[2]!.id}-boom`;

  const fold = (strict: boolean, state: Map<string, string>, batch: ConsumedRecord[]) => {
    const stage = ruleStage({ group: 'g', engine, upstreamPartitions: 1, byKeyTopic: 'by-key', strictState: strict });
    const input: FoldInput = { topic: 'by-key', partition: 0, records: batch, watermark: null, state };
    return stage.fold(input);
  };

  it('a rule that changed its state and then threw keeps its previous state (the batch is folded again strictly)', () => {
    const out = fold(false, new Map(), records(events));
    // strict semantics: the throwing step counts nothing, the other three do
    expect(countOf(out, 'count|v1')).toBe(3);
    expect(out.dropped?.E_DETECTOR_RULE).toBe(1);
    expect(out).toEqual(fold(true, new Map(), records(events)));
  });

  it('folding on over the cached state gives what a fold from the stored strings gives', () => {
    const stage = ruleStage({ group: 'g', engine, upstreamPartitions: 1, byKeyTopic: 'by-key' });
    const state = new Map<string, string>();
    const apply = (o: FoldOutput) => {
      for (const [k, v] of o.set ?? []) state.set(k, v);
      for (const k of o.del ?? []) state.delete(k);
    };
    const ok = [0, 1, 3].map((i) => events[i]!);
    apply(stage.fold({ topic: 'by-key', partition: 0, records: records(ok), watermark: null, state }));
    const more = [4, 5].map((i) => ping('v1', T0 + i * 1000, [121.47, 31.23]));
    const cached = stage.fold({ topic: 'by-key', partition: 0, records: records(more, 3), watermark: null, state });
    const fresh = fold(true, new Map(state), records(more, 3));
    expect(countOf(cached, 'count|v1')).toBe(5);
    expect(cached).toEqual(fresh);
  });
});
