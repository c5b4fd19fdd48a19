import { describe, expect, it } from 'vitest';
import type { AreaThemes } from '@cityops/schema';
import { mapColouring, parseColourBy } from './map-colour.js';

const theme = (health?: number): AreaThemes => ({
  values: {},
  baseline: {},
  deviation: {},
  ...(health === undefined ? {} : { health }),
});
const counts = { a: { m1: 1, m15: 100 }, b: { m1: 0, m15: 10 } };

describe('mapColouring', () => {
  it('by deviation: the health index per area, 0–100, higher is better; an area without one is no data', () => {
    const c = mapColouring({
      areaIds: ['a', 'b'],
      requested: 'deviation',
      counts,
      themes: { a: theme(35), b: theme() },
    });
    expect(c.mode).toBe('deviation');
    expect(c.fallback).toBe(false);
    expect([...c.values]).toEqual([
      ['a', 35],
      ['b', null],
    ]);
    expect([c.min, c.max, c.higherIsBetter]).toEqual([0, 100, true]);
  });

  it('by density: events per km², so a big quiet district is not drawn as busy', () => {
    const c = mapColouring({
      areaIds: ['a', 'b'],
      requested: 'density',
      counts,
      themes: {},
      areaKm2: { a: 1000, b: 2 },
    });
    expect(c.mode).toBe('density');
    expect(c.values.get('a')).toBeCloseTo(0.1, 6);
    expect(c.values.get('b')).toBeCloseTo(5, 6);
    expect(c.max).toBe(5);
  });

  it('falls back to raw counts, labelled as such, when the themes are absent', () => {
    for (const requested of ['deviation', 'density'] as const) {
      const c = mapColouring({ areaIds: ['a', 'b'], requested, counts });
      expect(c.mode).toBe('raw');
      expect(c.fallback).toBe(true);
      expect(c.caption).toContain('原始计数 raw counts');
      expect(c.caption).toContain('themes not available');
      expect(c.values.get('a')).toBe(100);
    }
    expect(mapColouring({ areaIds: ['a'], requested: 'raw', counts }).fallback).toBe(false);
  });

  it('draws no data, not zeros, when there are no counts', () => {
    const c = mapColouring({ areaIds: ['a'], requested: 'raw', counts: null });
    expect(c.values.get('a')).toBeNull();
  });

  it('reads ?color= and refuses other values with a reason', () => {
    expect(parseColourBy('?color=density')).toEqual({ colourBy: 'density', issue: null });
    expect(parseColourBy('').colourBy).toBe('deviation');
    expect(parseColourBy('?color=rainbow').issue).toMatch(/^E_WALL_COLOR/);
  });
});
