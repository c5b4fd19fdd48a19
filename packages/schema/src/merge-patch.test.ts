import { describe, expect, it } from 'vitest';
import { applyMergePatch, diffMergePatch, type Json } from './merge-patch.js';

describe('merge patch', () => {
  it('is undefined for equal states', () => {
    expect(diffMergePatch({ a: { b: 1 } }, { a: { b: 1 } })).toBeUndefined();
  });

  it('carries only what changed, and null for removed keys', () => {
    expect(diffMergePatch({ a: 1, b: { c: 2, d: 3 }, e: 5 }, { a: 1, b: { c: 2, d: 4 } })).toEqual({
      b: { d: 4 },
      e: null,
    });
  });

  it('replaces arrays whole', () => {
    expect(diffMergePatch({ t: [1, 2] }, { t: [1, 3] })).toEqual({ t: [1, 3] });
  });

  it('round-trips: applying the diff of prev→next to prev gives next', () => {
    const prev: Json = { total: { m1: 1, m15: 2 }, by: { a: { m1: 1 }, b: { m1: 2 } }, asOf: 'x', trend: [[1, 2]] };
    const next: Json = {
      total: { m1: 3, m15: 2 },
      by: { a: { m1: 1 }, c: { m1: 9 } },
      asOf: 'y',
      trend: [
        [1, 2],
        [2, 3],
      ],
    };
    expect(applyMergePatch(prev, diffMergePatch(prev, next)!)).toEqual(next);
  });

  it('does not modify the target', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});
