import { describe, expect, it } from 'vitest';
import { dissolveUnits } from './dissolve.js';

describe('dissolveUnits', () => {
  it('outlines a 2×2 block as one square', () => {
    const polys = dissolveUnits([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(polys).toEqual([
      [
        [
          [0, 0],
          [2, 0],
          [2, 2],
          [0, 2],
          [0, 0],
        ],
      ],
    ]);
  });

  it('keeps a ring of units as a polygon with a hole', () => {
    const units: [number, number][] = [];
    for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) if (x !== 1 || y !== 1) units.push([x, y]);
    const polys = dissolveUnits(units);
    expect(polys).toHaveLength(1);
    expect(polys[0]).toHaveLength(2);
    expect(polys[0]![1]).toHaveLength(5);
  });

  it('splits units that touch only at a corner into two polygons', () => {
    expect(
      dissolveUnits([
        [0, 0],
        [1, 1],
      ]),
    ).toHaveLength(2);
  });
});
