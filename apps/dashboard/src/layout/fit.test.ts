import { describe, expect, it } from 'vitest';
import { fitWall, parseWallPreset } from './fit.js';

describe('fitWall', () => {
  it.each([
    [1920, 1080, 1, 1920, 1080, false],
    [2560, 1440, 4 / 3, 1920, 1080, false],
    [3840, 2160, 2, 1920, 1080, false],
    [5760, 1080, 1, 5760, 1080, true],
    [7680, 2160, 2, 3840, 1080, true],
  ])('%i×%i: scale %d, canvas %i×%i, wide %s', (vw, vh, scale, w, h, wide) => {
    const f = fitWall(vw, vh);
    expect(f.scale).toBeCloseTo(scale, 6);
    expect([f.width, f.height, f.wide]).toEqual([w, h, wide]);
    // the scaled canvas fills the viewport and never passes its edge
    expect(f.width * f.scale).toBeLessThanOrEqual(vw + 1e-6);
    expect(f.height * f.scale).toBeLessThanOrEqual(vh + 1e-6);
    expect(vw - f.width * f.scale).toBeLessThan(f.scale);
  });

  it('a screen taller than 16:9 gets a taller canvas, not a narrower one', () => {
    const f = fitWall(1920, 1200);
    expect([f.width, f.height, f.scale]).toEqual([1920, 1200, 1]);
  });

  it('?wall=3x1 lays a 5760×1080 canvas out wide, letterboxed on a 16:9 screen', () => {
    const f = fitWall(1920, 1080, '3x1');
    expect([f.width, f.height, f.wide]).toEqual([5760, 1080, true]);
    expect(f.scale).toBeCloseTo(1 / 3, 6);
    expect(f.offsetY).toBeCloseTo((1080 - 360) / 2, 6);
    expect(fitWall(5760, 1080, '16x9').wide).toBe(false);
  });

  it('bounds absurd viewports', () => {
    const f = fitWall(Number.NaN, -5);
    expect(Number.isFinite(f.scale) && f.scale > 0).toBe(true);
  });
});

describe('parseWallPreset', () => {
  it('reads ?wall= and refuses anything else with a reason', () => {
    expect(parseWallPreset('?wall=3x1')).toEqual({ preset: '3x1', issue: null });
    expect(parseWallPreset('')).toEqual({ preset: 'auto', issue: null });
    const bad = parseWallPreset('?wall=9x9');
    expect(bad.preset).toBe('auto');
    expect(bad.issue).toMatch(/^E_WALL_PRESET/);
  });
});
