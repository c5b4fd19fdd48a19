import { describe, expect, it } from 'vitest';
import { loadCityPack } from '@cityops/city';
import { ThemesView } from './snapshot.js';

const pack = loadCityPack();
const d = pack.districts[0]!.id;
const HOUR = 3_600_000;
/** Monday 2026-06-01 10:00 in Shanghai */
const T = Date.UTC(2026, 5, 1, 2, 0, 0);

const gauges = (open: number) => ({ 'c|hl.r': open, 'c|hl.o': open, [`d:${d}|hl.r`]: open, [`d:${d}|hl.o`]: open });

describe('ThemesView', () => {
  it('learns this hour of the week from what it reads, then reads the deviation from it', () => {
    const view = new ThemesView({ store: undefined as never, group: 'g', pack });
    for (let i = 0; i < 12; i++) view.build(gauges(10 + (i % 2) * 2), T + i * 60_000); // 10 and 12: mean 11, sd 1
    const first = view.build(gauges(11), T + HOUR)!; // 11:00: the 10:00 hour is learned
    expect(first.hourOfWeek).toBe(11);
    expect(first.city.baseline).toEqual({}); // nothing for 11:00 yet
    // a week later at 10:00, 15 open tickets: (15 − 11) / 1 = 4 spreads worse
    const later = view.build(gauges(15), T + 7 * 24 * HOUR)!;
    expect(later.hourOfWeek).toBe(10);
    expect(later.city.baseline['hotline.open']).toBe(11);
    expect(later.city.deviation['hotline.open']).toBe(4);
    expect(later.byDistrict[d]!.deviation['hotline.open']).toBe(4);
    // the hotline theme's worst deviation 4 scores 100 − 20 × 3 = 40
    expect(later.city.health).toBe(40);
    expect(later.byStreet).toEqual({});
  });

  it('keeps a bounded trend of the health index and gives the areas in km²', () => {
    const view = new ThemesView({ store: undefined as never, group: 'g', pack, trendEveryMs: 60_000, trendPoints: 3 });
    const seeded = { 'c|wl.n': 1, 'c|wl.a': 1, 'c|wl.b:20': 1 }; // above the alarm line: capped at 60
    let snap;
    for (let i = 0; i < 5; i++) snap = view.build(seeded, T + i * 60_000 + 5_000)!;
    expect(snap!.healthTrend.city).toEqual([
      [T + 2 * 60_000, 60],
      [T + 3 * 60_000, 60],
      [T + 4 * 60_000, 60],
    ]);
    const sum = pack.districts.reduce((s, x) => s + snap!.areaKm2[x.id]!, 0);
    expect(snap!.areaKm2.city).toBeCloseTo(sum, 0);
    expect(snap!.areaKm2[pack.streets[0]!.id]).toBeGreaterThan(0);
    expect(view.build({}, T)).toBeUndefined(); // no figures at all: no themes
  });
});
