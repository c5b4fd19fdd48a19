import { describe, expect, it } from 'vitest';
import { boundedJson, truncateUtf8, utf8Length } from './bounded.js';

const enc = (s: string) => new TextEncoder().encode(s).length;

describe('bounded text', () => {
  it('counts UTF-8 bytes as TextEncoder does, lone surrogates included', () => {
    for (const s of ['', 'abc', 'é', '数据', '😀x', '\ud800', 'a\udc00b', '\ud83d']) expect(utf8Length(s)).toBe(enc(s));
  });

  it('cuts to a byte budget without splitting a surrogate pair', () => {
    expect(truncateUtf8('a😀', 4)).toBe('a');
    expect(truncateUtf8('a😀', 5)).toBe('a😀');
    expect(truncateUtf8('数'.repeat(10), 7)).toBe('数数');
  });

  it('writes JSON data as JSON.stringify does, and stops at the budget', () => {
    const v = { a: [undefined, () => 1, 1e21, -0, Number.NaN], b: undefined, c: { d: [] }, e: {} };
    expect(boundedJson(v, 1000)).toEqual({ text: JSON.stringify(v), truncated: false });
    expect(boundedJson('x'.repeat(100), 10)).toEqual({ text: `"${'x'.repeat(9)}`, truncated: true });
  });
});
