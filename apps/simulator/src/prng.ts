/**
 * Seeded randomness for the simulator. Math.random is never used: the same seed must give
 * byte-identical scenarios on every run.
 */
import { mulberry32 } from '@cityops/city';

/** mulberry32, the same generator the city pack is made with (one implementation, in @cityops/city). */
export const createRng: (seed: number) => () => number = mulberry32;

/** Mixes a seed with a salt string, so each subsystem gets its own stream (adding sensors must not shift the hotline). */
export function deriveSeed(seed: number, salt: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < salt.length; i++) {
    h = Math.imul(h ^ salt.charCodeAt(i), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** The distributions the engine draws from, over one seeded stream. */
export class Rng {
  private readonly next01: () => number;

  constructor(seed: number) {
    this.next01 = createRng(seed);
  }

  /** A separate stream for a named subsystem. */
  static forPart(seed: number, salt: string): Rng {
    return new Rng(deriveSeed(seed, salt));
  }

  next(): number {
    return this.next01();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next01() * n);
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next01();
  }

  chance(p: number): boolean {
    return this.next01() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Waiting time of a Poisson process with `ratePerMs`. */
  exp(ratePerMs: number): number {
    return -Math.log(1 - this.next01()) / ratePerMs;
  }

  /** A standard normal draw (Box-Muller; one value per call keeps the stream simple). */
  normal(): number {
    const u = 1 - this.next01();
    const v = this.next01();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A log-normal delay with the given median, skewed to a long tail like real handling times. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Index drawn in proportion to `cumulative` (a running sum of weights). */
  weighted(cumulative: Float64Array | readonly number[]): number {
    const total = cumulative[cumulative.length - 1]!;
    const x = this.next01() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Running sums of weights, for `Rng.weighted`. */
export function cumulate(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  return out;
}
