import type { AlertPlace, AlertSeverity } from '@cityops/schema';
import { distanceMeters } from '../env.js';
import type { AlertDraft, Rule, RuleEnv, RuleStep } from './rule.js';
import { MINUTE, capped, num, sensorReading } from './thresholds.js';

/**
 * 道路积水 (flooding): water levels rising across neighbouring gauges. State lives per district (every
 * gauge of a district reaches the same key, so a cluster is seen whole); only gauges above the
 * tracking level, or in an open incident, are remembered, so a dry district costs nothing.
 *
 * A gauge is wet when its level is at or above `levelCm`, or, earlier, when it is above `earlyCm`
 * and has been rising at `riseCmPerMin` or more since it crossed `trackCm` — for `wetReadings`
 * readings in a row (one spike is no flood). An incident is raised when `minGauges` wet gauges lie
 * within `radiusM` of each other (single linkage), or when one gauge alone has been wet for
 * `singleReadings` readings after rising through the levels (`singleRiseReadings` readings between
 * `trackCm` and `levelCm`: a gauge that steps to a level and sticks is a fault, a spike is gone
 * after a reading or two). Gauges that turn wet near it within `joinMinutes` of its onset join it
 * (updated); later ones near it are a flood of their own. Severity follows the deepest level; it
 * clears when every gauge in it is under `clearCm`.
 */

export interface Gauge {
  /** event time of the newest reading */
  t: number;
  /** level (cm) */
  v: number;
  /** lowest level since tracking started, and when */
  lo: number;
  lot: number;
  /** consecutive wet readings */
  k: number;
  /** readings between trackCm and levelCm seen while tracked (a rise through the levels) */
  m?: number;
  /** when tracking started (first reading above trackCm) */
  t0: number;
  lon: number;
  lat: number;
  /** street and grid of the gauge, for the alert's place */
  s?: string;
  g?: string;
  /** event id of the newest reading */
  e: string;
  /** index-free link to the open incident (its key), if any */
  inc?: string;
}

export interface FloodIncident {
  key: string;
  first: number;
  /** gauge ids in it (at most MAX_GAUGES) */
  gauges: string[];
  peak: number;
  /** the deepest gauge, whose place the alert carries */
  deepest: string;
  sev: AlertSeverity;
}

export interface FloodState {
  /** newest event time seen in the district */
  t: number;
  d: string;
  gauges: Record<string, Gauge>;
  inc: FloodIncident[];
}

const CATEGORY = 'E.05.01';
const MAX_TRACKED = 300;
const MAX_GAUGES = 100;
const round1 = (x: number) => Math.round(x * 10) / 10;

function isWetNow(g: Gauge, env: RuleEnv): boolean {
  if (g.v >= num(env, 'levelCm')) return true;
  if (g.v < num(env, 'earlyCm')) return false;
  const span = g.t - g.lot;
  return span >= 5 * MINUTE && ((g.v - g.lo) / span) * MINUTE >= num(env, 'riseCmPerMin');
}

function severity(peak: number, env: RuleEnv): AlertSeverity {
  if (peak >= num(env, 'criticalCm')) return 'critical';
  if (peak >= num(env, 'majorCm')) return 'major';
  return 'minor';
}

function place(st: FloodState, inc: FloodIncident): AlertPlace {
  const g = st.gauges[inc.deepest]!;
  return {
    lon: g.lon,
    lat: g.lat,
    districtId: st.d,
    ...(g.s ? { streetId: g.s } : {}),
    ...(g.g ? { gridId: g.g } : {}),
  };
}

function draft(
  st: FloodState,
  inc: FloodIncident,
  state: AlertDraft['state'],
  at: number,
  evidence: string[],
): AlertDraft {
  const n = inc.gauges.length;
  const peak = round1(inc.peak);
  return {
    incidentKey: inc.key,
    state,
    severity: inc.sev,
    place: place(st, inc),
    firstSignalAt: inc.first,
    detectedAt: at,
    categoryCode: CATEGORY,
    evidence,
    subjects: inc.gauges.slice(0, 100),
    summary:
      state === 'cleared'
        ? { zh: `道路积水已退：${n} 个水位计回落`, en: `Flooding receded: ${n} gauges back down` }
        : {
            zh: `道路积水：${n} 个相邻水位计上涨，最深 ${peak} 厘米`,
            en: `Road flooding: ${n} neighbouring gauges rising, deepest ${peak} cm`,
          },
    metrics: { gauges: n, peakCm: peak, levelCm: round1(st.gauges[inc.deepest]?.v ?? 0) },
  };
}

/** Gauges out of tracking: dry and in no incident, or not heard of for `staleMinutes`. */
function prune(st: FloodState, now: number, env: RuleEnv): void {
  const stale = num(env, 'staleMinutes') * MINUTE;
  const track = num(env, 'trackCm');
  for (const [id, g] of Object.entries(st.gauges)) {
    if (g.inc) continue;
    if (g.v < track || now - g.t > stale) delete st.gauges[id];
  }
  const ids = Object.keys(st.gauges);
  if (ids.length > MAX_TRACKED) {
    // a district-wide deluge: keep those in incidents and the deepest of the rest
    const free = ids.filter((id) => !st.gauges[id]!.inc).sort((a, b) => st.gauges[a]!.v - st.gauges[b]!.v);
    for (const id of free.slice(0, ids.length - MAX_TRACKED)) delete st.gauges[id];
  }
}

/** Clears incidents whose gauges are all under clearCm (a silent gauge counts as down after staleMinutes). */
function clearDone(st: FloodState, now: number, env: RuleEnv, alerts: AlertDraft[], evidence: string[]): void {
  const clear = num(env, 'clearCm');
  const stale = num(env, 'staleMinutes') * MINUTE;
  st.inc = st.inc.filter((inc) => {
    const up = inc.gauges.some((id) => {
      const g = st.gauges[id];
      return g !== undefined && g.v >= clear && now - g.t <= stale;
    });
    if (up) return true;
    alerts.push(draft(st, inc, 'cleared', now, evidence));
    for (const id of inc.gauges) {
      const g = st.gauges[id];
      if (g) delete g.inc;
    }
    return false;
  });
}

function nextWake(st: FloodState, env: RuleEnv): number | undefined {
  const stale = num(env, 'staleMinutes') * MINUTE;
  let w = Infinity;
  for (const inc of st.inc) for (const id of inc.gauges) w = Math.min(w, (st.gauges[id]?.t ?? 0) + stale);
  return Number.isFinite(w) ? w : undefined;
}

function settle(st: FloodState): FloodState | undefined {
  return st.inc.length === 0 && Object.keys(st.gauges).length === 0 ? undefined : st;
}

export const floodingRule: Rule<FloodState> = {
  type: 'flooding',
  parameters: {
    levelCm: {
      default: 15,
      description: 'ponding depth (cm) at which a gauge is wet (the usual road-flooding warning level)',
    },
    earlyCm: {
      default: 8,
      description: 'a gauge above this depth (cm) that is rising fast counts as wet before levelCm',
    },
    riseCmPerMin: {
      default: 0.2,
      description: 'rise rate (cm/min, since the gauge crossed trackCm) that makes an early gauge wet',
    },
    trackCm: {
      default: 5,
      description: 'gauges above this depth (cm) are remembered; normal readings are well under it',
    },
    wetReadings: { default: 2, description: 'consecutive wet readings before a gauge counts (one spike is no flood)' },
    minGauges: { default: 2, description: 'wet gauges within radiusM of each other that make a flood' },
    singleReadings: {
      default: 6,
      description: 'consecutive wet readings after which one gauge alone is a flood (a spike lasts one or two)',
    },
    singleRiseReadings: {
      default: 2,
      description: 'readings between trackCm and levelCm a lone gauge must have shown (a rise, not a step)',
    },
    joinMinutes: {
      default: 45,
      description: "a gauge turning wet near an open flood joins it within this long of the flood's onset",
    },
    radiusM: { default: 1500, description: 'neighbourhood (m) within which gauges belong to one flood' },
    clearCm: {
      default: 6,
      description: 'the flood clears when every gauge in it is under this depth (cm, hysteresis)',
    },
    majorCm: { default: 25, description: 'deepest level (cm) from which the alert is major' },
    criticalCm: { default: 40, description: 'deepest level (cm) from which the alert is critical' },
    staleMinutes: { default: 30, description: 'a gauge not heard of for this long no longer holds a flood open' },
    maxLateMinutes: { default: 10, description: 'readings older than this behind the district newest are ignored' },
  },
  key(e) {
    return e.type === 'sensor.reading' && e.payload.kind === 'water_level' && e.location.districtId
      ? e.location.districtId
      : null;
  },
  step(state, e, env): RuleStep<FloodState> {
    const r = sensorReading(e, 'water_level', { cm: 1, mm: 0.1, m: 100 });
    if (!r) return { state, alerts: [] };
    const st: FloodState = state ?? { t: r.t, d: r.loc.districtId!, gauges: {}, inc: [] };
    if (r.t < st.t - num(env, 'maxLateMinutes') * MINUTE) return { state, alerts: [] };
    st.t = Math.max(st.t, r.t);
    const alerts: AlertDraft[] = [];
    let g = st.gauges[r.sensorId];
    if (g && r.t <= g.t) return { state: st, alerts }; // this gauge has moved on: a late reading
    if (!g) {
      if (r.value < num(env, 'trackCm')) {
        clearDone(st, st.t, env, alerts, []);
        return { state: settle(st), alerts, wakeAt: nextWake(st, env) };
      }
      g = { t: r.t, v: r.value, lo: r.value, lot: r.t, k: 0, t0: r.t, lon: r.lon, lat: r.lat, e: r.id };
      if (r.loc.streetId) g.s = r.loc.streetId;
      if (r.loc.gridId) g.g = r.loc.gridId;
      st.gauges[r.sensorId] = g;
    }
    g.t = r.t;
    g.v = r.value;
    g.e = r.id;
    if (r.value < g.lo) {
      g.lo = r.value;
      g.lot = r.t;
    }
    g.k = isWetNow(g, env) ? g.k + 1 : 0;
    if (r.value >= num(env, 'trackCm') && r.value < num(env, 'levelCm')) g.m = (g.m ?? 0) + 1;
    const wet = g.k >= num(env, 'wetReadings');
    const radius = num(env, 'radiusM');

    const own = g.inc ? st.inc.find((i) => i.key === g!.inc) : undefined;
    if (g.inc && !own) delete g.inc;
    if (own) {
      const inc = own;
      if (r.value > inc.peak) {
        inc.peak = r.value;
        inc.deepest = r.sensorId;
        const sev = severity(inc.peak, env);
        if (sev !== inc.sev) {
          inc.sev = sev;
          alerts.push(draft(st, inc, 'updated', r.t, [r.id]));
        }
      }
    } else if (wet) {
      const near = (id: string) => {
        const o = st.gauges[id];
        return o !== undefined && distanceMeters(g!.lon, g!.lat, o.lon, o.lat) <= radius;
      };
      const joinBy = num(env, 'joinMinutes') * MINUTE;
      const inc = st.inc.find((i) => r.t - i.first <= joinBy && i.gauges.some(near));
      if (inc) {
        if (inc.gauges.length < MAX_GAUGES) inc.gauges.push(r.sensorId);
        g.inc = inc.key;
        if (r.value > inc.peak) {
          inc.peak = r.value;
          inc.deepest = r.sensorId;
        }
        inc.sev = severity(inc.peak, env);
        alerts.push(draft(st, inc, 'updated', r.t, [r.id]));
      } else {
        const wetIds = Object.keys(st.gauges).filter((id) => {
          const o = st.gauges[id]!;
          return id !== r.sensorId && !o.inc && o.k >= num(env, 'wetReadings') && r.t - o.t <= 15 * MINUTE && near(id);
        });
        const alone =
          wetIds.length === 0 && g.k >= num(env, 'singleReadings') && (g.m ?? 0) >= num(env, 'singleRiseReadings');
        if (wetIds.length + 1 >= num(env, 'minGauges') || alone) {
          const members = [r.sensorId, ...wetIds].slice(0, MAX_GAUGES);
          const deepest = members.reduce((a, b) => (st.gauges[b]!.v > st.gauges[a]!.v ? b : a));
          const first = Math.min(...members.map((id) => st.gauges[id]!.t0));
          const created: FloodIncident = {
            key: `${st.d}:${r.sensorId}@${r.t}`,
            first,
            gauges: members,
            peak: st.gauges[deepest]!.v,
            deepest,
            sev: 'minor',
          };
          created.sev = severity(created.peak, env);
          for (const id of members) st.gauges[id]!.inc = created.key;
          st.inc.push(created);
          alerts.push(
            draft(
              st,
              created,
              'raised',
              r.t,
              capped(
                members.map((id) => st.gauges[id]!.e),
                50,
              ),
            ),
          );
        }
      }
    }
    clearDone(st, r.t, env, alerts, [r.id]);
    prune(st, st.t, env);
    return { state: settle(st), alerts, wakeAt: nextWake(st, env) };
  },
  wake(state, watermark, env) {
    const alerts: AlertDraft[] = [];
    clearDone(state, watermark, env, alerts, []);
    prune(state, watermark, env);
    return { state: settle(state), alerts, wakeAt: nextWake(state, env) };
  },
};
