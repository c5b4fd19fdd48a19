import { describe, expect, it } from 'vitest';
import type { VanFix } from './fold.js';
import { MIN, NOON, VansHarness } from './test/harness.js';

// a street of 1e-4 degrees ≈ 10 m; loading zone west of lon 121.40, road east of it, off-road north of lat 31.30
const place = (lon: number, lat: number) => (lat > 31.3 ? 'off' : lon < 121.4 ? 'lz' : 'cw');
const fix = (id: string, t: number, x: number, y: number, extra: Partial<VanFix> = {}): VanFix => ({
  id,
  t,
  x,
  y,
  d: 'sh-a',
  st: 'sh-a-1',
  ...extra,
});

describe('themes fold: logistics from positions', () => {
  it('a van standing 2 min is a stop, in a loading zone or on the carriageway; a moving van is not', () => {
    const h = new VansHarness(place);
    const fixes: VanFix[] = [];
    for (let i = 0; i <= 6; i++) {
      fixes.push(fix('zone', NOON + i * 30_000, 121.39 + i * 1e-6, 31.2)); // stands 3 min in the zone
      fixes.push(fix('road', NOON + i * 30_000, 121.41, 31.2 + (i % 2) * 5e-5)); // GPS jitter of ~5 m on the road
      fixes.push(fix('moving', NOON + i * 30_000, 121.42 + i * 0.002, 31.2)); // ~190 m per fix
    }
    h.fold(fixes);
    expect(h.values()).toMatchObject({
      'logistics.vansActive': 3,
      'logistics.carriagewayStopsPerHour': 4,
      'logistics.loadingZoneShare': 0.5,
    });
    expect(h.values()).not.toHaveProperty('logistics.parcelsDelivered'); // positions only: absent, not 0
  });

  it('one GPS outlier does not cut a stop in two; a stop off the road counts in neither', () => {
    const h = new VansHarness(place);
    const at = (i: number, x = 121.41, y = 31.2) => fix('v', NOON + i * 30_000, x, y);
    h.fold([at(0), at(1), at(2), at(3), at(4, 121.4109), at(5), at(6), at(7), at(8), at(9), at(10)]);
    expect(h.values()['logistics.carriagewayStopsPerHour']).toBe(4);
    const off = new VansHarness(place);
    off.fold([0, 1, 2, 3, 4, 5].map((i) => fix('p', NOON + i * 30_000, 121.41, 31.31)));
    expect(off.values()).toMatchObject({ 'logistics.vansActive': 1, 'logistics.carriagewayStopsPerHour': 0 });
    expect(off.values()).not.toHaveProperty('logistics.loadingZoneShare');
  });

  it('parcels delivered where the feed says how many are on board; vans and stops leave after 15 min', () => {
    const h = new VansHarness(place);
    h.fold([
      fix('c', NOON, 121.39, 31.2, { p: 10 }),
      fix('c', NOON + 60_000, 121.39, 31.2, { p: 10 }),
      fix('c', NOON + 150_000, 121.39, 31.2, { p: 7 }),
    ]);
    expect(h.values()).toMatchObject({ 'logistics.parcelsDelivered': 3, 'logistics.vansActive': 1 });
    h.fold([fix('other', NOON + 18 * MIN, 121.5, 31.2, { d: 'sh-b', st: 'sh-b-1' })]);
    expect(h.values('d:sh-a')).toMatchObject({ 'logistics.vansActive': 0, 'logistics.carriagewayStopsPerHour': 0 });
    expect(h.values('d:sh-a')).not.toHaveProperty('logistics.parcelsDelivered');
    expect([...h.state.keys()].sort()).toEqual(['v:other', '~v']);
  });

  it('a fix delivered twice (an upstream rebuild forwards it again) is one fix: an outlier stays an outlier', () => {
    const h = new VansHarness(place);
    const at = (i: number, x = 121.41) => fix('v', NOON + i * 30_000, x, 31.2);
    const fixes = [0, 1, 2, 3, 4, 5].map((i) => at(i)); // a stop, counted at 2 min
    fixes.push(at(6, 121.4109), at(6, 121.4109)); // an outlier, delivered twice
    for (let i = 7; i <= 13; i++) fixes.push(at(i)); // back where it stands, 3.5 min more
    h.fold(fixes);
    expect(h.values()['logistics.carriagewayStopsPerHour']).toBe(4);
  });

  it('a van is counted once, in the area of its latest fix', () => {
    const h = new VansHarness(place);
    h.fold([fix('m', NOON, 121.5, 31.2), fix('m', NOON + 30_000, 121.52, 31.2, { d: 'sh-b', st: 'sh-b-1' })]);
    expect(h.values('d:sh-a')['logistics.vansActive']).toBe(0);
    expect(h.values('d:sh-b')['logistics.vansActive']).toBe(1);
    expect(h.values()['logistics.vansActive']).toBe(1);
  });
});
