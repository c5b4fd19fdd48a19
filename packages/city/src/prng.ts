/**
 * Deterministic randomness for generators. Math.random is never used: the same seed must give
 * byte-identical packs on every machine.
 */

/** mulberry32: a small, fast 32-bit PRNG with good enough statistics for synthetic geography. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stateless hash of integers to [0, 1). Used where a value must depend only on a position
 * (e.g. the jitter of a road junction), so that it does not shift when unrelated generation changes.
 */
export function hash01(seed: number, ...ints: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of ints) {
    h = Math.imul(h ^ (v | 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h / 4294967296;
}
