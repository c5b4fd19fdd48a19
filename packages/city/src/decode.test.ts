import { describe, expect, it } from 'vitest';
import { decodeGeometry, decodeRing, normaliseRing } from './decode.js';
import { readShanghaiSource } from './generate.js';
import { geometryAreaKm2, ringSignedArea } from './geometry.js';

describe('decodeRing (ECharts UTF8Encoding)', () => {
  it('starts at the offset and applies zigzag deltas scaled by 1/1024', () => {
    // '@@' is a zero delta; 'A' (65 → 1) is zigzag -1, 'B' (66 → 2) is zigzag +1
    expect(decodeRing('@@AB', [1024, 2048])).toEqual([
      [1, 2],
      [1023 / 1024, 2049 / 1024],
    ]);
  });

  it('accumulates deltas from vertex to vertex', () => {
    expect(decodeRing('BBBB', [0, 0], 1)).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('rejects a string with an odd number of characters', () => {
    expect(() => decodeRing('@@A', [0, 0])).toThrow(/odd length/);
  });
});

describe('normaliseRing and decodeGeometry', () => {
  it('closes a ring and winds an exterior counter-clockwise', () => {
    const r = normaliseRing(
      [
        [0, 0],
        [0, 1],
        [1, 1],
        [1, 0],
      ],
      true,
    );
    expect(r[0]).toEqual(r[r.length - 1]);
    expect(ringSignedArea(r)).toBeGreaterThan(0);
  });

  it('turns a MultiPolygon of encoded strings into polygons', () => {
    const g = decodeGeometry(
      { type: 'MultiPolygon', coordinates: [['@@BBBB'], ['@@BABA']], encodeOffsets: [[[0, 0]], [[10, 10]]] },
      1,
    );
    expect(g.type).toBe('MultiPolygon');
    expect(g.coordinates).toHaveLength(2);
  });
});

describe('the Shanghai source file', () => {
  const src = readShanghaiSource();

  it('decodes all 16 districts', () => {
    expect(src.map((d) => d.spec.id)).toHaveLength(16);
    expect(new Set(src.map((d) => d.spec.id)).size).toBe(16);
  });

  it('gives Songjiang its real area (604.65 km²) within 3%', () => {
    const sj = src.find((d) => d.spec.id === 'sh-songjiang')!;
    expect(geometryAreaKm2(sj.geometry)).toBeGreaterThan(604.65 * 0.97);
    expect(geometryAreaKm2(sj.geometry)).toBeLessThan(604.65 * 1.03);
  });

  it('places every district within the Shanghai bounding box', () => {
    for (const d of src) {
      expect(d.bbox[0]).toBeGreaterThan(120.8);
      expect(d.bbox[2]).toBeLessThan(122.1);
      expect(d.bbox[1]).toBeGreaterThan(30.6);
      expect(d.bbox[3]).toBeLessThan(31.9);
    }
  });
});
