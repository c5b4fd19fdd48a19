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

describe('merge patch with keys from senders (issue 7)', () => {
  it('deletes a key named "constructor" that is gone, and adds one that is new', () => {
    const before = JSON.parse('{"bySource":{"constructor":{"m1":1}}}') as Json;
    const after = JSON.parse('{"bySource":{}}') as Json;
    expect(diffMergePatch(before, after)).toEqual({ bySource: { constructor: null } });
    expect(diffMergePatch(after, before)).toEqual({ bySource: { constructor: { m1: 1 } } });
  });

  it('applies a patch with a "__proto__" key as data, without touching any prototype', () => {
    const patch = JSON.parse('{"byStreet":{"__proto__":{"m1":2}}}') as Json;
    const result = applyMergePatch({ byStreet: {} } as Json, patch) as Record<string, Record<string, unknown>>;
    expect(Object.keys(result.byStreet!)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(result.byStreet!, '__proto__')?.value).toEqual({ m1: 2 });
    expect(applyMergePatch(result as Json, JSON.parse('{"byStreet":{"__proto__":null}}') as Json)).toEqual({
      byStreet: {},
    });
  });
});
