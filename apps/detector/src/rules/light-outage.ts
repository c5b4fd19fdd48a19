import type { AlertPlace, AlertSeverity } from '@cityops/schema';
import { distanceMeters } from '../env.js';
import type { AlertDraft, Rule, RuleEnv, RuleStep } from './rule.js';
import { MINUTE, capped, hhmm, inDailyWindow, localMinuteOfDay, num, str, sensorReading } from './thresholds.js';

/**
 * 路灯不亮 (light_outage): a cluster of street lights failing together. A light is failing when it
 * reads (about) 0 W while lights should be on: after dark by the pack's lighting hours, and while
 * most lights of the district do read power (so a schedule that differs from ours, or dusk
 * arriving early, never turns every light into a failure). By day a dead light reads 0 W like every
 * other light, so a daytime outage cannot be seen from the values; it is seen at dusk, when its
 * lights stay at 0 W while the others come on. A device's `alarm` status is not used as a reason.
 *
 * State is per district; only failing lights are remembered. An alert is raised when `minLights`
 * lights within `radiusM` of each other started failing within `togetherMinutes` (one dead lamp is
 * maintenance); lights failing near an open incident join it; it clears when fewer than
 * `minLights` of its lights are still failing.
 */

export interface Where {
  lon: number;
  lat: number;
  seg?: string;
  s?: string;
  g?: string;
}

export interface DarkLight {
  /** newest reading */
  t: number;
  /** first failing reading */
  since: number;
  e: string;
  lon: number;
  lat: number;
  seg?: string;
  s?: string;
  g?: string;
  inc?: string;
  /** 1: a light of a neighbouring district near the border, folded here too */
  f?: 1;
}

export interface LightIncident {
  key: string;
  first: number;
  /** lights in the incident (capped) */
  lights: string[];
  sev: AlertSeverity;
  /** where the alert points: the light nearest the cluster's centre, with its segment */
  at: Where;
}

export interface LightState {
  t: number;
  d: string;
  /** the district's readings after dark, per 5-minute bucket: [bucket start, lit, unlit] */
  on: Array<[number, number, number]>;
  dark: Record<string, DarkLight>;
  inc: LightIncident[];
}

const CATEGORY = 'E.08.01';
const BUCKET = 5 * MINUTE;
const MAX_DARK = 500;
const MAX_LIGHTS = 100;

function isDarkHour(t: number, env: RuleEnv): boolean {
  return inDailyWindow(
    localMinuteOfDay(t, num(env, 'utcOffsetMinutes')),
    hhmm(str(env, 'darkFrom')),
    hhmm(str(env, 'darkTo')),
  );
}

/** Share of the district's recent after-dark readings that read power; null when too few to say. */
function litShare(st: LightState, now: number): number | null {
  let lit = 0;
  let all = 0;
  for (const [b, l, u] of st.on)
    if (b > now - 3 * BUCKET) {
      lit += l;
      all += l + u;
    }
  return all >= 8 ? lit / all : null;
}

const pick = (l: DarkLight): Where => ({
  lon: l.lon,
  lat: l.lat,
  ...(l.seg ? { seg: l.seg } : {}),
  ...(l.s ? { s: l.s } : {}),
  ...(l.g ? { g: l.g } : {}),
});

function severity(n: number, env: RuleEnv): AlertSeverity {
  if (n >= num(env, 'criticalLights')) return 'critical';
  if (n >= num(env, 'majorLights')) return 'major';
  return 'minor';
}

function failing(st: LightState, inc: LightIncident): string[] {
  return inc.lights.filter((id) => st.dark[id]?.inc === inc.key);
}

function centreLight(st: LightState, ids: string[]): string {
  let x = 0;
  let y = 0;
  for (const id of ids) {
    x += st.dark[id]!.lon;
    y += st.dark[id]!.lat;
  }
  x /= ids.length;
  y /= ids.length;
  return ids.reduce((a, b) =>
    distanceMeters(x, y, st.dark[b]!.lon, st.dark[b]!.lat) < distanceMeters(x, y, st.dark[a]!.lon, st.dark[a]!.lat)
      ? b
      : a,
  );
}

function draft(
  st: LightState,
  inc: LightIncident,
  where: Where,
  state: AlertDraft['state'],
  at: number,
  evidence: string[],
): AlertDraft {
  const out = failing(st, inc).length;
  const place: AlertPlace = {
    lon: where.lon,
    lat: where.lat,
    districtId: st.d,
    ...(where.seg ? { roadSegmentId: where.seg } : {}),
    ...(where.s ? { streetId: where.s } : {}),
    ...(where.g ? { gridId: where.g } : {}),
  };
  return {
    incidentKey: inc.key,
    state,
    severity: inc.sev,
    place,
    firstSignalAt: inc.first,
    detectedAt: at,
    categoryCode: CATEGORY,
    evidence,
    subjects: inc.lights.slice(0, 100),
    summary:
      state === 'cleared'
        ? {
            zh: `路灯已恢复：${inc.lights.length} 盏中仅 ${out} 盏仍不亮`,
            en: `Street lights back: ${out} of ${inc.lights.length} still dark`,
          }
        : {
            zh: `成片路灯不亮：${out} 盏相邻路灯同时熄灭`,
            en: `Street light outage: ${out} neighbouring lights failed together`,
          },
    metrics: { lightsOut: out, lights: inc.lights.length },
  };
}

/** Drops lights not heard of for staleMinutes, then clears incidents with too few failing lights. */
function settleIncidents(st: LightState, now: number, env: RuleEnv, alerts: AlertDraft[], evidence: string[]): void {
  const stale = num(env, 'staleMinutes') * MINUTE;
  const min = num(env, 'minLights');
  st.inc = st.inc.filter((inc) => {
    const still = failing(st, inc).filter((id) => now - st.dark[id]!.t <= stale);
    if (still.length >= min) return true;
    alerts.push(draft(st, inc, inc.at, 'cleared', now, evidence));
    for (const id of inc.lights) if (st.dark[id]?.inc === inc.key) delete st.dark[id]!.inc;
    return false;
  });
  for (const [id, l] of Object.entries(st.dark)) if (!l.inc && now - l.t > stale) delete st.dark[id];
  const ids = Object.keys(st.dark);
  if (ids.length > MAX_DARK) {
    const free = ids.filter((id) => !st.dark[id]!.inc).sort((a, b) => st.dark[a]!.t - st.dark[b]!.t);
    for (const id of free.slice(0, ids.length - MAX_DARK)) delete st.dark[id];
  }
}

function nextWake(st: LightState, env: RuleEnv): number | undefined {
  const stale = num(env, 'staleMinutes') * MINUTE;
  let w = Infinity;
  for (const l of Object.values(st.dark)) w = Math.min(w, l.t + stale + 1);
  return Number.isFinite(w) ? w : undefined;
}

const done = (st: LightState): LightState | undefined =>
  st.inc.length === 0 && Object.keys(st.dark).length === 0 && st.on.length === 0 ? undefined : st;

export const lightOutageRule: Rule<LightState> = {
  type: 'light_outage',
  parameters: {
    offWatts: { default: 5, description: 'a light reading at most this power (W) is unlit' },
    darkFrom: {
      default: '18:30',
      description: 'lights are due on from (local time, HH:MM; the city lighting schedule)',
    },
    darkTo: { default: '05:30', description: 'lights are due off at (local time, HH:MM)' },
    utcOffsetMinutes: { default: 480, description: "the pack's local time as minutes east of UTC (Shanghai 480)" },
    minLitShare: {
      default: 0.5,
      description: "share of the district's lights reading power (last 15 min) before an unlit light counts as failed",
    },
    minLights: { default: 3, description: 'failing lights within radiusM that make an outage (fewer is maintenance)' },
    radiusM: { default: 600, description: 'neighbourhood (m) of one outage (a feeder circuit)' },
    togetherMinutes: {
      default: 15,
      description: 'lights of one outage start failing within this many minutes of each other',
    },
    majorLights: { default: 6, description: 'lights out from which the alert is major' },
    criticalLights: { default: 20, description: 'lights out from which the alert is critical' },
    staleMinutes: {
      default: 20,
      description: 'a failing light not heard of for this long is forgotten (silence is feed_offline)',
    },
    maxLateMinutes: { default: 10, description: 'readings older than this behind the district newest are ignored' },
  },
  key(e) {
    return e.type === 'sensor.reading' && e.payload.kind === 'street_light' && e.location.districtId
      ? e.location.districtId
      : null;
  },
  /**
   * Its own district, and every other district within radiusM of the light: an outage across a
   * district border is seen whole on both sides (and raised by the side that holds its centre).
   */
  keys(e, env) {
    const own = lightOutageRule.key(e, env);
    if (own === null) return [];
    return [own, ...districtsNear(e.location.lon, e.location.lat, num(env, 'radiusM'), env).filter((d) => d !== own)];
  },
  step(state, e, env, key): RuleStep<LightState> {
    const r = sensorReading(e, 'street_light', { W: 1, w: 1, kW: 1000 });
    if (!r) return { state, alerts: [] };
    if (state && r.t < state.t - num(env, 'maxLateMinutes') * MINUTE) return { state, alerts: [] };
    const st: LightState = state ?? { t: r.t, d: key ?? r.loc.districtId!, on: [], dark: {}, inc: [] };
    // a light of the neighbouring district: kept as a possible member of an outage across the
    // border, never counted in this district's lit share
    const foreign = r.loc.districtId !== st.d;
    st.t = Math.max(st.t, r.t);
    const alerts: AlertDraft[] = [];
    const lit = r.value > num(env, 'offWatts');
    const known = st.dark[r.sensorId];
    if (known && r.t <= known.t) return { state: st, alerts }; // this light has moved on
    const dark = isDarkHour(r.t, env);

    if (dark && foreign) {
      // the share is this district's own
    } else if (dark) {
      const b = Math.floor(r.t / BUCKET) * BUCKET;
      const last = st.on.at(-1);
      if (last && last[0] === b) last[lit ? 1 : 2] += 1;
      else st.on.push([b, lit ? 1 : 0, lit ? 0 : 1]);
      st.on = st.on.filter(([x]) => x > st.t - 3 * BUCKET);
    } else {
      st.on = [];
    }

    if (lit) {
      if (known) delete st.dark[r.sensorId]; // back on: no longer failing
    } else if (known) {
      // still unlit (by day too: a failed light cannot be seen to come back before dusk)
      known.t = r.t;
      known.e = r.id;
    } else if (dark) {
      const share = litShare(st, r.t);
      if (share !== null && share >= num(env, 'minLitShare')) {
        const l: DarkLight = { t: r.t, since: r.t, e: r.id, lon: r.lon, lat: r.lat };
        if (r.loc.roadSegmentId) l.seg = r.loc.roadSegmentId;
        if (r.loc.streetId) l.s = r.loc.streetId;
        if (r.loc.gridId) l.g = r.loc.gridId;
        if (foreign) l.f = 1;
        st.dark[r.sensorId] = l;
        alerts.push(...cluster(st, r.sensorId, r.t, env));
      }
    }
    settleIncidents(st, r.t, env, alerts, [r.id]);
    return { state: done(st), alerts, wakeAt: nextWake(st, env) };
  },
  wake(state, watermark, env) {
    const alerts: AlertDraft[] = [];
    settleIncidents(state, watermark, env, alerts, []);
    return { state: done(state), alerts, wakeAt: nextWake(state, env) };
  },
};

const PROBES = 8;
/** the districts at `radius` / 2 and `radius` around a point, in 8 directions (memoised per point and pack) */
const memos = new WeakMap<object, Map<string, string[]>>();
function districtsNear(lon: number, lat: number, radius: number, env: RuleEnv): string[] {
  let nearMemo = memos.get(env.index);
  if (!nearMemo) memos.set(env.index, (nearMemo = new Map()));
  const k = `${lon},${lat},${radius}`;
  const hit = nearMemo.get(k);
  if (hit) return hit;
  const out = new Set<string>();
  const kx = 111_320 * Math.cos((lat * Math.PI) / 180);
  for (const d of [radius / 2, radius])
    for (let i = 0; i < PROBES; i++) {
      const a = (2 * Math.PI * i) / PROBES;
      const where = env.index.locate(lon + (d * Math.cos(a)) / kx, lat + (d * Math.sin(a)) / 111_320);
      if (where.inside) out.add(where.districtId);
    }
  const r = [...out].sort();
  if (nearMemo.size >= 250_000) nearMemo.clear();
  nearMemo.set(k, r);
  return r;
}

/** A newly failing light: join an open incident nearby, or found one with its failing neighbours. */
function cluster(st: LightState, id: string, t: number, env: RuleEnv): AlertDraft[] {
  const me = st.dark[id]!;
  const radius = num(env, 'radiusM');
  const near = (o: DarkLight | undefined) => o !== undefined && distanceMeters(me.lon, me.lat, o.lon, o.lat) <= radius;
  const inc = st.inc.find((i) => failing(st, i).some((x) => near(st.dark[x])));
  if (inc) {
    if (inc.lights.length < MAX_LIGHTS && !inc.lights.includes(id)) inc.lights.push(id);
    me.inc = inc.key;
    inc.sev = severity(failing(st, inc).length, env);
    return [draft(st, inc, inc.at, 'updated', t, [me.e])];
  }
  const together = num(env, 'togetherMinutes') * MINUTE;
  const mates = Object.keys(st.dark).filter((x) => {
    const o = st.dark[x]!;
    return (
      x !== id &&
      !o.inc &&
      Math.abs(o.since - me.since) <= together &&
      t - o.t <= num(env, 'staleMinutes') * MINUTE &&
      near(o)
    );
  });
  if (mates.length + 1 < num(env, 'minLights')) return [];
  const members = [id, ...mates].slice(0, MAX_LIGHTS);
  // across a border both districts see the outage: the one holding its centre light raises it
  if (st.dark[centreLight(st, members)]!.f) return [];
  const first = Math.min(...members.map((x) => st.dark[x]!.since));
  const created: LightIncident = {
    key: `${st.d}:${id}@${t}`,
    first,
    lights: members,
    sev: severity(members.length, env),
    at: pick(st.dark[centreLight(st, members)]!),
  };
  for (const x of members) st.dark[x]!.inc = created.key;
  st.inc.push(created);
  return [
    draft(
      st,
      created,
      created.at,
      'raised',
      t,
      capped(
        members.map((x) => st.dark[x]!.e),
        50,
      ),
    ),
  ];
}
