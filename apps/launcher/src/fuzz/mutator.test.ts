import { describe, expect, it } from 'vitest';
import { CITY_EVENT_TYPES } from '@cityops/schema';
import { buildCorpus } from './corpus.js';
import { itemOf, mutate, type MutationContext } from './mutator.js';
import { Rand } from './rand.js';
import { splitBody } from './request.js';

function inputs(seed: number, n: number): string[] {
  const corpus = buildCorpus(seed, 20);
  const rand = new Rand(seed);
  let id = 0;
  const ctx: MutationContext = {
    rand,
    now: Date.UTC(2026, 0, 1),
    freshId: () => `i${++id}`,
    earlier: [{ source: 's', id: 'x' }],
    skewMs: 120_000,
  };
  return Array.from({ length: n }, (_, i) => itemOf(mutate(rand.pick(corpus), ctx), ctx, i % 2 === 0).text);
}

describe('fuzz inputs', () => {
  it('the corpus holds every envelope type of the schema, from the simulator', () => {
    const types = new Set(buildCorpus(1, 20).map((t) => t.type));
    expect([...types].sort()).toEqual([...CITY_EVENT_TYPES].sort());
  });

  it('are the same for the same seed and differ for another', () => {
    expect(inputs(3, 200)).toEqual(inputs(3, 200));
    expect(inputs(4, 200)).not.toEqual(inputs(3, 200));
  });

  it('are mostly mutated, some left valid', () => {
    const texts = inputs(5, 500);
    const clean = texts.filter((t) => !/1970|0000-|9999|__proto__|constructor|"v":2/.test(t));
    expect(clean.length).toBeGreaterThan(50);
    expect(clean.length).toBeLessThan(480);
  });

  it('splits bodies as the route does: array elements, one object, non-empty NDJSON lines, undefined for bad JSON', () => {
    expect(splitBody('[1,{},[]]', 'application/json', [])?.length).toBe(3);
    expect(splitBody('{"a":1}', undefined, [])?.length).toBe(1);
    expect(splitBody('{}\n\n  \n{bad\r\n[]', 'application/x-ndjson', [])?.map((i) => i.value)).toEqual([
      {},
      undefined,
      [],
    ]);
    expect(splitBody('[1,', 'application/json', [])).toBeUndefined();
  });
});
