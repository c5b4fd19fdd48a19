import { describe, expect, it } from 'vitest';
import { mapOption, niceMax } from './map-option.js';

const areas = [
  { id: 'a', name: '甲区', nameEn: 'A' },
  { id: 'b', name: '乙区', nameEn: 'B' },
];

function series(option: ReturnType<typeof mapOption>) {
  const s = option.series;
  return (Array.isArray(s) ? s[0] : s) as { data: Array<{ name: string; value: unknown }> };
}

describe('mapOption', () => {
  it('colours areas by their 15-minute count, a quiet area being a real zero', () => {
    const data = series(mapOption({ mapName: 'm', areas, counts: { a: { m1: 1, m15: 7 } }, stale: false })).data;
    expect(data).toEqual([
      { name: 'a', value: 7 },
      { name: 'b', value: 0 },
    ]);
  });

  it('leaves areas empty, not zero, when there are no figures', () => {
    const data = series(mapOption({ mapName: 'm', areas, counts: null, stale: false })).data;
    expect(data.map((d) => d.value)).toEqual(['-', '-']);
  });

  it('rounds the legend maximum so the scale does not move with every delta', () => {
    expect(niceMax(0)).toBe(10);
    expect(niceMax(137)).toBe(200);
    expect(niceMax(480)).toBe(500);
    expect(niceMax(501)).toBe(1000);
  });
});
