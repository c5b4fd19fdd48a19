import { describe, expect, it } from 'vitest';
import type { VitalsRead } from '@cityops/store';
import { fieldsOf } from './fields.js';
import { rollup } from './rollup.js';
import { OTHER_SOURCE, knownSources } from './sources.js';
import { bucketOf } from './windows.js';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);

function readOf(counters: Record<string, number>): VitalsRead {
  return {
    buckets: new Map([[bucketOf(T0), counters]]),
    progress: { 'city.events.v1:0': { nextOffset: 1, watermark: T0 } },
    updatedAt: T0,
    dropped: {},
    rebuilding: false,
  };
}

describe('keys from senders (issue 7)', () => {
  it('counts a source named "constructor" (or any Object.prototype name) like any other', () => {
    const counters: Record<string, number> = {};
    for (const s of ['constructor', 'tostring', 'constructor', 'hasownproperty'])
      for (const f of fieldsOf({ source: s, type: 'sensor.reading', districtId: 'd1' }))
        counters[f] = (counters[f] ?? 0) + 1;
    const snap = rollup(readOf(counters));
    expect(snap.bySource['constructor']).toEqual({ m1: 2, m15: 2 });
    expect(snap.bySource['hasownproperty']).toEqual({ m1: 1, m15: 1 });
    expect(Object.keys(snap.bySource).sort()).toEqual(['constructor', 'hasownproperty', 'tostring']);
  });

  it('a street or district key "__proto__" from the store neither pollutes Object.prototype nor vanishes', () => {
    const snap = rollup(readOf({ total: 1, 'st:__proto__': 1, 'd:constructor': 1, 'x:unknown': 1 }));
    expect(Object.keys(snap.byStreet)).toEqual(['__proto__']);
    expect(snap.byDistrict['constructor']).toEqual({ m1: 1, m15: 1 });
    expect(({} as Record<string, unknown>)['m15']).toBeUndefined();
    expect(JSON.parse(JSON.stringify(snap)).byStreet).toEqual(JSON.parse('{"__proto__":{"m1":1,"m15":1}}'));
  });

  it('counts unregistered sources under "other", at counting time and when rolling up', () => {
    const known = knownSources(['sim.sensors', 'hotline-12345']);
    expect(fieldsOf({ source: 'invented-1', type: 't', districtId: 'd' }, known)).toContain(`s:${OTHER_SOURCE}`);
    expect(fieldsOf({ source: 'sim.sensors', type: 't', districtId: 'd' }, known)).toContain('s:sim.sensors');
    // counters written before a source was registered (or by an aggregator without the list)
    const snap = rollup(readOf({ total: 4, 's:sim.sensors': 1, 's:a': 1, 's:b': 1, 's:constructor': 1 }), { known });
    expect(snap.bySource).toEqual({ 'sim.sensors': { m1: 1, m15: 1 }, other: { m1: 3, m15: 3 } });
  });

  it('a registered prefix (ending in *) registers a family of sources', () => {
    const known = knownSources(['e2e-*', 'sim.sensors']);
    expect(known.countAs('e2e-abc')).toBe('e2e-abc');
    expect(known.countAs('e2e')).toBe(OTHER_SOURCE);
    expect(known.countAs('sim.sensors2')).toBe(OTHER_SOURCE);
  });

  it('the snapshot has as many sources as are registered, however many senders invent', () => {
    const counters: Record<string, number> = {};
    const known = knownSources(['sim.sensors']);
    for (let i = 0; i < 1000; i++)
      for (const f of fieldsOf({ source: `s${i}`, type: 'sensor.reading', districtId: 'd' }, known))
        counters[f] = (counters[f] ?? 0) + 1;
    expect(Object.keys(rollup(readOf(counters), { known }).bySource)).toEqual([OTHER_SOURCE]);
  });
});
