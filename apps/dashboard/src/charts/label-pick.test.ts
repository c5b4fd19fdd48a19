import { describe, expect, it } from 'vitest';
import { anchorOf, pickLabels } from './label-pick.js';

const square = (x: number, y: number, s: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + s, y],
      [x + s, y + s],
      [x, y + s],
      [x, y],
    ],
  ],
});

describe('anchorOf', () => {
  it('is the centre of the largest polygon, with the whole area', () => {
    const a = anchorOf({
      type: 'MultiPolygon',
      coordinates: [square(0, 0, 1).coordinates, square(10, 10, 3).coordinates],
    });
    expect(a?.at).toEqual([11.5, 11.5]);
    expect(a?.size).toBeCloseTo(10, 6);
    expect(a?.bbox).toEqual([0, 0, 13, 13]);
    expect(anchorOf({ type: 'Point', coordinates: [1, 2] })).toBeNull();
  });
});

describe('pickLabels', () => {
  const box = { width: 1000, height: 1000, bbox: [0, 0, 10, 10] as [number, number, number, number], aspectScale: 1 };

  it('names two areas far apart, and only the larger of two whose names would touch', () => {
    const far = pickLabels(
      [
        { id: 'a', at: [1, 1], size: 5, text: '甲区' },
        { id: 'b', at: [8, 8], size: 1, text: '乙区' },
      ],
      box,
      15,
    );
    expect([...far].sort()).toEqual(['a', 'b']);
    const close = pickLabels(
      [
        { id: 'small', at: [5, 5], size: 1, text: '黄浦区' },
        { id: 'big', at: [5.2, 5.05], size: 9, text: '浦东新区' },
      ],
      box,
      15,
    );
    expect([...close]).toEqual(['big']);
  });

  it('never places two names whose boxes overlap, however dense the centre', () => {
    const dense = Array.from({ length: 30 }, (_, i) => ({
      id: `d${i}`,
      at: [5 + (i % 6) * 0.05, 5 + Math.floor(i / 6) * 0.05] as [number, number],
      size: i,
      text: '某某区',
    }));
    const picked = pickLabels(dense, box, 15);
    expect(picked.size).toBeGreaterThan(0);
    expect(picked.size).toBeLessThan(4);
    expect(picked.has('d29')).toBe(true);
  });
});
