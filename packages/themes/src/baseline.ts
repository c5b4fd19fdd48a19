import { THEME_METRICS, type ThemeMetricDef } from '@cityops/schema';

/** the catalogue entry of a figure key (`id` or `id:qualifier`) */
export function metricOf(key: string): ThemeMetricDef | undefined {
  const colon = key.indexOf(':');
  const id = colon < 0 ? key : key.slice(0, colon);
  return (THEME_METRICS as Record<string, ThemeMetricDef>)[id];
}

/** The smallest spread a deviation divides by, per unit: a flat baseline must not make noise "unusual". */
export const SPREAD_FLOOR: Record<ThemeMetricDef['unit'], number> = {
  ratio: 0.03,
  share: 0.02,
  count: 1,
  cm: 1,
  'ug/m3': 3,
  dB: 1,
  per_hour: 2,
};

/**
 * A seed of baselines, generated from the simulator's day (`npm run themes:seed`): per area (the
 * city `city` and each district id) and figure key, 24 hours of the local day as `[mean, sd]` or
 * null where the day had no figure. The simulated week repeats its day, so every day of the week
 * starts from the same hours.
 */
export interface BaselineSeed {
  packId: string;
  generatedFrom: string;
  hours: Record<string, Record<string, Array<[number, number] | null>>>;
}

export interface BaselineOptions {
  seed?: BaselineSeed;
  /** weight of a new hour against what was learned for that hour of the week (default 0.2) */
  alpha?: number;
  /** samples of an hour needed before it is learned (default 10) */
  minSamples?: number;
}

interface Acc {
  slot: number;
  n: number;
  sum: number;
  sumSq: number;
}

/**
 * "Usual for this hour of the week" per area × figure: the EWMA of each hour's mean and of its
 * variance, per hour-of-week slot (168), learned from the samples the screens' snapshots see, on
 * top of the seed. The hour's mean becomes the slot's mean with weight `alpha`:
 * `mean' = mean + α (x − mean)`, `var' = (1 − α)(var + α (x − mean)²)`; a slot with no seed and
 * nothing learned takes its first hour's mean and the spread of the samples within it.
 */
export class Baselines {
  private readonly learned = new Map<string, Float64Array>();
  private readonly acc = new Map<string, Acc>();
  private readonly alpha: number;
  private readonly minSamples: number;

  constructor(private readonly opts: BaselineOptions = {}) {
    this.alpha = opts.alpha ?? 0.2;
    this.minSamples = opts.minSamples ?? 10;
  }

  /** the usual value and its spread at hour-of-week `how` (0 = Monday 00:00), or undefined */
  expected(area: string, key: string, how: number): { mean: number; sd: number } | undefined {
    const slots = this.learned.get(`${area}|${key}`);
    if (slots && !Number.isNaN(slots[how * 2]!)) return { mean: slots[how * 2]!, sd: Math.sqrt(slots[how * 2 + 1]!) };
    return this.seeded(area, key, how);
  }

  private seeded(area: string, key: string, how: number): { mean: number; sd: number } | undefined {
    const hours = this.opts.seed?.hours;
    if (!hours) return undefined;
    // counts scale with the fleet the seed was simulated with (sensors, vans, calls per hour), so
    // they are learned only: a city with twice the vans must not read "unusual" from the start
    const unit = metricOf(key)?.unit;
    if (unit === 'count' || unit === 'per_hour') return undefined;
    const s = hours[area]?.[key]?.[how % 24];
    return s ? { mean: s[0], sd: s[1] } : undefined;
  }

  /** one sample of a figure at hour-of-week `how`; an hour is learned when the next one begins */
  observe(area: string, key: string, value: number, how: number): void {
    const id = `${area}|${key}`;
    let a = this.acc.get(id);
    if (a && a.slot !== how) {
      this.learn(area, key, a);
      a = undefined;
    }
    if (!a) this.acc.set(id, (a = { slot: how, n: 0, sum: 0, sumSq: 0 }));
    a.n++;
    a.sum += value;
    a.sumSq += value * value;
  }

  private learn(area: string, key: string, a: Acc): void {
    if (a.n < this.minSamples) return;
    const id = `${area}|${key}`;
    const x = a.sum / a.n;
    let slots = this.learned.get(id);
    if (!slots) this.learned.set(id, (slots = new Float64Array(168 * 2).fill(NaN)));
    const prior = Number.isNaN(slots[a.slot * 2]!) ? this.seeded(area, key, a.slot) : undefined;
    const mean = Number.isNaN(slots[a.slot * 2]!) ? prior?.mean : slots[a.slot * 2]!;
    const variance = Number.isNaN(slots[a.slot * 2]!)
      ? prior
        ? prior.sd * prior.sd
        : undefined
      : slots[a.slot * 2 + 1]!;
    if (mean === undefined || variance === undefined) {
      slots[a.slot * 2] = x;
      slots[a.slot * 2 + 1] = Math.max(0, a.sumSq / a.n - x * x);
      return;
    }
    const d = x - mean;
    slots[a.slot * 2] = mean + this.alpha * d;
    slots[a.slot * 2 + 1] = (1 - this.alpha) * (variance + this.alpha * d * d);
  }
}

/**
 * Deviation in units of spread, positive = worse (the catalogue's `worse`), to 0.1 and within ±20:
 * `(x − mean) / max(sd, floor(unit))`, negated where low is worse.
 */
export function deviationOf(key: string, value: number, usual: { mean: number; sd: number }): number | undefined {
  const def = metricOf(key);
  if (!def) return undefined;
  const spread = Math.max(usual.sd, SPREAD_FLOOR[def.unit]);
  const z = ((value - usual.mean) / spread) * (def.worse === 'high' ? 1 : -1);
  return Math.round(Math.max(-20, Math.min(20, z)) * 10) / 10;
}
