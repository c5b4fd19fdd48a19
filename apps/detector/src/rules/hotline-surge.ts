import type { CityPack } from '@cityops/city';
import type { AlertPlace, AlertSeverity } from '@cityops/schema';
import type { AlertDraft, Rule, RuleEnv, RuleStep } from './rule.js';
import { MINUTE, bool, capped, num, str, timeOf } from './thresholds.js';

/**
 * 未诉先办 from early signals (hotline_surge): a count anomaly of 12345 tickets per category × street
 * (and × district) against the usual for that hour of the week and place.
 *
 * State lives per category × district: the district's rate for the category is learned there
 * (enough tickets to learn from quickly), and each street gets its share of it. The statistic is a
 * Poisson scan at each arrival: when a ticket arrives, the number of *earlier* tickets of the same
 * category in the same street within the last 10, 30 and 60 minutes is compared with its expected
 * count λ (the baseline rate integrated over the window); p = P(Poisson(λ) ≥ k), the smallest of
 * the three times three (Bonferroni). Conditioning on the arrival makes p the chance that *this*
 * ticket would look like this under the baseline, so the false-alarm rate is at most
 * (tickets per hour) × alpha, whatever the number of streets and categories.
 *
 * The baseline: rate(t) = L × shape(hour of day) shrunk per hour of week towards the weekly
 * history of that hour, with L (tickets per hour at the daily mean) a Gamma-Poisson posterior
 * seeded from a prior (`priorPerCellHour` × the district's grid cells), so a fresh start has one;
 * counts and exposure decay with `halfLifeDays`. Tickets of a street while it is surging do not
 * teach the baseline.
 */

export interface StreetBook {
  /** decayed count of baseline tickets (the street's share of the district) */
  n: number;
  /** recent received tickets: time, event id, ticket id (within 60 min, capped) */
  ts: number[];
  ev: string[];
  tk: string[];
  /** time of the newest ticket that taught the baseline (or was skipped as a surge's) */
  lt?: number;
  /** open alert */
  open?: { key: string; first: number; count: number; sev: AlertSeverity; last: number };
}

export interface SurgeState {
  c: string;
  d: string;
  /** newest ticket time seen */
  t: number;
  /** time up to which exposure has been counted (LEARN_LAG behind, as tickets are learned) */
  x: number;
  /** level posterior data: decayed count and shape-weighted exposure (hours) */
  lc: number;
  le: number;
  /** decayed count and exposure (hours) per hour of week (168), sparse: only hours seen */
  wc: Record<string, number>;
  we: Record<string, number>;
  /** decayed total of street counts */
  nt: number;
  st: Record<string, StreetBook>;
}

const HOUR = 60 * MINUTE;
const WINDOWS = [10, 30, 60].map((m) => m * MINUTE);
const MAX_RECENT = 64;
/** tickets teach the baseline once this old and not part of a surge (so a surge's first calls do not) */
const LEARN_LAG = 10 * MINUTE;
/** `*` is the district as a whole, tested like a street with share 1 */
const WHOLE = '*';

/** A typical 12345 day (calls by local hour), mean 1: quiet nights, a morning peak, an afternoon one, an evening wave. */
const DEFAULT_PROFILE =
  '0.25,0.15,0.1,0.08,0.08,0.12,0.3,0.7,1.2,1.6,1.8,1.75,1.45,1.35,1.55,1.65,1.55,1.3,1.1,1.05,1.1,0.95,0.7,0.4';

interface PackGeo {
  cellsByStreet: Map<string, number>;
  cellsByDistrict: Map<string, number>;
  centre: Map<string, [number, number]>;
}
const geo = new WeakMap<CityPack, PackGeo>();

/** Grid cells and centres per street and district, from the pack (derived once per pack, not rule state). */
function packGeo(pack: CityPack): PackGeo {
  const hit = geo.get(pack);
  if (hit) return hit;
  const comm = new Map(pack.communities.map((c) => [c.id, c.parentId]));
  const streetDistrict = new Map(pack.streets.map((s) => [s.id, s.parentId]));
  const cellsByStreet = new Map<string, number>();
  const cellsByDistrict = new Map<string, number>();
  const sum = new Map<string, [number, number, number]>();
  for (const g of pack.grids) {
    const s = comm.get(g.parentId);
    if (!s) continue;
    const d = streetDistrict.get(s) ?? '';
    cellsByStreet.set(s, (cellsByStreet.get(s) ?? 0) + 1);
    cellsByDistrict.set(d, (cellsByDistrict.get(d) ?? 0) + 1);
    const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0]! : g.geometry.coordinates[0]![0]!;
    let x = 0;
    let y = 0;
    for (const [a, b] of ring) {
      x += a;
      y += b;
    }
    for (const k of [s, d]) {
      const acc = sum.get(k) ?? [0, 0, 0];
      acc[0] += x / ring.length;
      acc[1] += y / ring.length;
      acc[2] += 1;
      sum.set(k, acc);
    }
  }
  const centre = new Map<string, [number, number]>();
  for (const [k, [x, y, n]] of sum) centre.set(k, [Math.round((x / n) * 1e6) / 1e6, Math.round((y / n) * 1e6) / 1e6]);
  const out = { cellsByStreet, cellsByDistrict, centre };
  geo.set(pack, out);
  return out;
}

const profiles = new Map<string, number[]>();
function profile(env: RuleEnv): number[] {
  const s = str(env, 'hourlyProfile');
  let p = profiles.get(s);
  if (!p) {
    const v = s.split(',').map(Number);
    if (v.length !== 24 || v.some((x) => !(x > 0))) throw new Error('hotline_surge.hourlyProfile: 24 positive numbers');
    const mean = v.reduce((a, b) => a + b, 0) / 24;
    p = v.map((x) => x / mean);
    profiles.set(s, p);
  }
  return p;
}

/** Local hour of week (0 = Sunday 00:00) and hour of day. */
function hourOf(t: number, env: RuleEnv): { w: number; h: number } {
  const local = t + num(env, 'utcOffsetMinutes') * MINUTE;
  const hours = Math.floor(local / HOUR);
  const h = ((hours % 24) + 24) % 24;
  const day = Math.floor(hours / 24);
  const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  return { w: dow * 24 + h, h };
}

/** Counts exposure from st.t up to `to`, hour by hour (decaying everything first). */
function expose(st: SurgeState, now: number, env: RuleEnv): void {
  const to = now - LEARN_LAG;
  if (!(to > st.x)) return;
  const half = num(env, 'halfLifeDays') * 24 * HOUR;
  const f = 0.5 ** ((to - st.x) / half);
  st.lc *= f;
  st.le *= f;
  st.nt *= f;
  for (const k of Object.keys(st.wc)) st.wc[k]! *= f;
  for (const k of Object.keys(st.we)) st.we[k]! *= f;
  for (const b of Object.values(st.st)) b.n *= f;
  const prof = profile(env);
  let t = Math.max(st.x, to - 8 * 24 * HOUR); // a key idle for longer: one week of exposure is all the bins hold
  while (t < to) {
    const next = Math.min(to, (Math.floor(t / HOUR) + 1) * HOUR);
    const dt = (next - t) / HOUR;
    const { w, h } = hourOf(t, env);
    st.le += dt * prof[h]!;
    st.we[w] = (st.we[w] ?? 0) + dt;
    t = next;
  }
  st.x = to;
}

/** A ticket that left the scan window without being part of a surge teaches the baseline. */
function learn(st: SurgeState, street: string, t: number, env: RuleEnv): void {
  st.lc += 1;
  const { w } = hourOf(t, env);
  st.wc[w] = (st.wc[w] ?? 0) + 1;
  st.nt += 1;
  const b = st.st[street];
  if (b) b.n += 1;
}

/** Baseline tickets per hour for the whole district (category) at time t. */
function districtRate(st: SurgeState, t: number, env: RuleEnv): { rate: number; shape: number } {
  const g = packGeo(env.pack);
  const prior0 = num(env, 'priorPerCellHour') * (g.cellsByDistrict.get(st.d) ?? 50);
  const b0 = num(env, 'priorHours');
  // Gamma(shape, b0 + le) posterior of the level: shape is how many tickets (seen or assumed) it rests on
  const shape = st.lc + prior0 * b0;
  const level = shape / (st.le + b0);
  const { w, h } = hourOf(t, env);
  const expected = level * profile(env)[h]!;
  const m = num(env, 'hourPriorHours');
  return { rate: ((st.wc[w] ?? 0) + m * expected) / ((st.we[w] ?? 0) + m), shape };
}

function share(st: SurgeState, street: string, env: RuleEnv): number {
  if (street === WHOLE) return 1;
  const g = packGeo(env.pack);
  const prior = (g.cellsByStreet.get(street) ?? 1) / Math.max(1, g.cellsByDistrict.get(st.d) ?? 1);
  const k = num(env, 'sharePriorTickets');
  return ((st.st[street]?.n ?? 0) + k * prior) / (st.nt + k);
}

/** P(N ≥ k) for N ~ Poisson(λ), summed from k upward (exact for the small λ and k of a scan). */
export function poissonTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (!(lambda > 0)) return 0;
  let logTerm = -lambda + k * Math.log(lambda);
  for (let i = 2; i <= k; i++) logTerm -= Math.log(i);
  let term = Math.exp(logTerm);
  let sum = 0;
  for (let i = k; i < k + 1000 && term > sum * 1e-12; i++) {
    sum += term;
    term *= lambda / (i + 1);
  }
  return Math.min(1, sum);
}

/**
 * P(N ≥ k) for the Gamma-Poisson (negative binomial) predictive with mean `mean` and shape `shape`:
 * the Poisson tail widened by what is not yet known about the rate (a fresh key, a rare category).
 * Tends to poissonTail as shape grows.
 */
export function negBinomialTail(k: number, mean: number, shape: number): number {
  if (k <= 0) return 1;
  if (!(mean > 0)) return 0;
  if (!(shape > 0) || shape > 1e6) return poissonTail(k, mean);
  const q = mean / (shape + mean); // chance of one more per trial
  // pmf(i) = C(shape + i - 1, i) (1 - q)^shape q^i, summed from k upward in logs for small tails
  let logPmf = shape * Math.log1p(-q) + k * Math.log(q);
  for (let i = 0; i < k; i++) logPmf += Math.log((shape + i) / (i + 1));
  let term = Math.exp(logPmf);
  let sum = 0;
  for (let i = k; i < k + 10_000 && term > sum * 1e-12; i++) {
    sum += term;
    term *= ((shape + i) / (i + 1)) * q;
  }
  return Math.min(1, sum);
}

/** The scan at an arrival at `t` in `street`: smallest Bonferroni p over the windows, and the counts. */
function scan(st: SurgeState, book: StreetBook, street: string, t: number, env: RuleEnv) {
  const { rate: r, shape } = districtRate(st, t, env);
  const rate = r * share(st, street, env);
  let best = { p: 1, k: 0, windowMin: 0, lambda: 0 };
  for (const w of WINDOWS) {
    const k = book.ts.filter((x) => x > t - w && x < t).length;
    const lambda = (rate * w) / HOUR;
    const p = Math.min(1, negBinomialTail(k, lambda, shape) * WINDOWS.length);
    if (p < best.p) best = { p, k, windowMin: w / MINUTE, lambda };
  }
  return best;
}

function severityOf(count: number, category: string, env: RuleEnv): AlertSeverity {
  if (count >= num(env, 'criticalCount')) return 'critical';
  if (count >= num(env, 'majorCount') || category.startsWith('E.05')) return 'major';
  return 'minor';
}

function placeOf(st: SurgeState, street: string, env: RuleEnv): AlertPlace {
  const g = packGeo(env.pack);
  const c = g.centre.get(street === WHOLE ? st.d : street) ?? g.centre.get(st.d) ?? [0, 0];
  return { lon: c[0], lat: c[1], districtId: st.d, ...(street === WHOLE ? {} : { streetId: street }) };
}

function draft(
  st: SurgeState,
  street: string,
  b: StreetBook,
  state: AlertDraft['state'],
  at: number,
  evidence: string[],
  env: RuleEnv,
  m: { p?: number; lambda?: number; windowMin?: number } = {},
): AlertDraft {
  const o = b.open!;
  const where = street === WHOLE ? '全区' : street;
  const whereEn = street === WHOLE ? 'the district' : street;
  const inHour = b.ts.filter((x) => x > at - HOUR).length;
  return {
    incidentKey: o.key,
    state,
    severity: o.sev,
    place: placeOf(st, street, env),
    firstSignalAt: o.first,
    detectedAt: at,
    categoryCode: st.c,
    evidence,
    summary:
      state === 'cleared'
        ? { zh: `${where} ${st.c} 类投诉回落`, en: `${st.c} complaints in ${whereEn} back to usual` }
        : {
            zh: `${where} ${st.c} 类投诉激增：${o.count} 件，近一小时 ${inHour} 件`,
            en: `Surge of ${st.c} complaints in ${whereEn}: ${o.count}, ${inHour} in the last hour`,
          },
    metrics: {
      tickets: o.count,
      lastHour: inHour,
      ...(m.p !== undefined ? { pValue: Number(m.p.toPrecision(3)) } : {}),
      ...(m.lambda !== undefined ? { expected: Number(m.lambda.toPrecision(3)) } : {}),
      ...(m.windowMin !== undefined ? { windowMin: m.windowMin } : {}),
    },
  };
}

function nextWake(st: SurgeState, env: RuleEnv): number | undefined {
  let w = Infinity;
  for (const b of Object.values(st.st)) if (b.open) w = Math.min(w, b.open.last + num(env, 'quietMinutes') * MINUTE);
  return Number.isFinite(w) ? w : undefined;
}

/** Closes quiet surges and drops street books with nothing recent and nothing open (their counts are tiny). */
function tidy(st: SurgeState, now: number, env: RuleEnv, alerts: AlertDraft[]): void {
  const quiet = num(env, 'quietMinutes') * MINUTE;
  for (const [id, b] of Object.entries(st.st)) {
    if (b.open && now - b.open.last >= quiet) {
      alerts.push(draft(st, id, b, 'cleared', b.open.last + quiet, [], env));
      delete b.open;
      // the surge's tickets are spent: later arrivals are judged against the usual, not against them
      b.ts = [];
      b.ev = [];
      b.tk = [];
    }
    if (b.open) b.lt = now;
    else if (id !== WHOLE) {
      for (const x of b.ts) {
        if (x > now - LEARN_LAG) break;
        if (x > (b.lt ?? -Infinity)) {
          learn(st, id, x, env);
          b.lt = x;
        }
      }
    }
    const keep = b.ts.findIndex((x) => x > now - HOUR);
    if (keep !== 0) {
      const from = keep < 0 ? b.ts.length : keep;
      b.ts = b.ts.slice(from);
      b.ev = b.ev.slice(from);
      b.tk = b.tk.slice(from);
    }
    if (!b.open && b.ts.length === 0 && b.n < 0.05) delete st.st[id];
  }
}

export const hotlineSurgeRule: Rule<SurgeState> = {
  type: 'hotline_surge',
  parameters: {
    alpha: {
      default: 1e-4,
      description:
        'p-value (Bonferroni over the three windows) below which an arrival raises; false alarms ≤ tickets/h × alpha',
    },
    minCount: { default: 2, description: 'tickets in the window (this one included) before anything is raised' },
    priorPerCellHour: {
      default: 0.002,
      description:
        "prior tickets per grid cell per hour per category at the daily mean (seed for a fresh start; set from the city's history)",
    },
    priorHours: { default: 2, description: 'weight of that prior, in hours of observation of the district' },
    hourPriorHours: {
      default: 4,
      description: 'weight (hours) of the daily profile against the learned history of each hour of the week',
    },
    sharePriorTickets: {
      default: 30,
      description: "weight (tickets) of the street's share by grid cells against its learned share",
    },
    halfLifeDays: { default: 28, description: 'half-life of everything learned' },
    hourlyProfile: {
      default: DEFAULT_PROFILE,
      description: 'calls by local hour (24 numbers, any scale): the usual daily swing',
    },
    utcOffsetMinutes: { default: 480, description: "the pack's local time as minutes east of UTC (Shanghai 480)" },
    clearP: {
      default: 0.05,
      description: 'a surge also clears when a new call has p at or above this (calls at the usual rate again)',
    },
    quietMinutes: {
      default: 30,
      description: 'a surge clears after this long without a new ticket of its category and street',
    },
    majorCount: {
      default: 10,
      description: 'tickets in the surge from which it is major (emergencies E.05 are major at once)',
    },
    criticalCount: { default: 30, description: 'tickets in the surge from which it is critical' },
    districtLevel: {
      default: false,
      description:
        "also scan the district as a whole (a surge spread over streets); off: until weeks of history teach each hour, a category's own daily swing looks like one",
    },
    maxLateMinutes: { default: 15, description: 'tickets older than this behind the key newest are ignored' },
  },
  key(e) {
    if (e.type !== 'hotline.ticket' || e.payload.stage !== 'received') return null;
    if (!e.location.districtId || !e.location.streetId) return null;
    return `${e.category.code}|${e.location.districtId}`;
  },
  step(state, e, env): RuleStep<SurgeState> {
    if (e.type !== 'hotline.ticket' || e.payload.stage !== 'received' || !e.location.streetId || !e.location.districtId)
      return { state, alerts: [] };
    const t = timeOf(e);
    if (!Number.isFinite(t)) return { state, alerts: [] };
    const st: SurgeState = state ?? {
      c: e.category.code,
      d: e.location.districtId,
      t,
      x: t,
      lc: 0,
      le: 0,
      wc: {},
      we: {},
      nt: 0,
      st: {},
    };
    if (t < st.t - num(env, 'maxLateMinutes') * MINUTE) return { state, alerts: [] };
    st.t = Math.max(st.t, t);
    expose(st, st.t, env);
    const alerts: AlertDraft[] = [];
    tidy(st, st.t, env, alerts);
    const street = e.location.streetId;
    const streets = bool(env, 'districtLevel') ? [street, WHOLE] : [street];
    let surging = false;
    for (const s of streets) {
      // a ticket of an open street surge is that surge's, not the district's
      if (s === WHOLE && surging) continue;
      const b = (st.st[s] ??= { n: 0, ts: [], ev: [], tk: [] });
      if (b.tk.includes(e.payload.ticketId)) return { state: st, alerts, wakeAt: nextWake(st, env) }; // a ticket seen twice
      const r = scan(st, b, s, t, env);
      // keep the recent list in time order (a late ticket goes in its place)
      let i = b.ts.length;
      while (i > 0 && b.ts[i - 1]! > t) i--;
      b.ts.splice(i, 0, t);
      b.ev.splice(i, 0, e.id);
      b.tk.splice(i, 0, e.payload.ticketId);
      if (b.ts.length > MAX_RECENT) {
        b.ts = capped(b.ts, MAX_RECENT);
        b.ev = capped(b.ev, MAX_RECENT);
        b.tk = capped(b.tk, MAX_RECENT);
      }
      if (b.open) surging = true;
      if (b.open) {
        b.open.count += 1;
        b.open.last = Math.max(b.open.last, t);
        const sev = severityOf(b.open.count, st.c, env);
        b.open.sev = sev;
        alerts.push(draft(st, s, b, 'updated', t, [e.id], env, r));
        if (r.p >= num(env, 'clearP')) {
          // calls still come, but no more than the usual for this hour and place
          alerts.push(draft(st, s, b, 'cleared', t, [], env, r));
          delete b.open;
          b.ts = [];
          b.ev = [];
          b.tk = [];
        }
        continue;
      }
      const streetOpen = s === WHOLE && Object.entries(st.st).some(([id, x]) => id !== WHOLE && x.open);
      if (r.k + 1 >= num(env, 'minCount') && r.p < num(env, 'alpha') && !streetOpen) {
        const inWindow = b.ts.filter((x) => x > t - r.windowMin * MINUTE && x <= t).length;
        const firstIdx = b.ts.findIndex((x) => x > t - r.windowMin * MINUTE);
        b.open = {
          key: `${st.c}|${s}@${t}`,
          first: b.ts[firstIdx]!,
          count: inWindow,
          sev: severityOf(inWindow, st.c, env),
          last: t,
        };
        alerts.push(draft(st, s, b, 'raised', t, b.ev.slice(firstIdx).slice(-50), env, r));
      }
    }
    return { state: st, alerts, wakeAt: nextWake(st, env) };
  },
  wake(state, watermark, env) {
    const alerts: AlertDraft[] = [];
    state.t = Math.max(state.t, watermark);
    expose(state, state.t, env);
    tidy(state, state.t, env, alerts);
    return { state, alerts, wakeAt: nextWake(state, env) };
  },
};
