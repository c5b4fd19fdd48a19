import type { AlertPlace, AlertSeverity, CityEvent } from '@cityops/schema';
import { distanceMeters } from '../env.js';
import type { AlertDraft, Rule, RuleEnv, RuleSignal, RuleStep } from './rule.js';

/**
 * road_blockage (快递占道 / 卸货堵路), in two rules under two keys:
 *
 * 1. `road_blockage.vehicle`, keyed by vehicle: a *dwell* is consecutive pings within `dwellRadiusM`
 *    of their running centroid. One ping far away is forgiven (a GPS outlier); two in a row (or a
 *    reported speed above `movingSpeedKmh`) end the dwell; a silence longer than `maxGapMs` ends it
 *    too. Once the observed dwell lasts `dwellThresholdMs`, its centroid is map-matched: the nearest
 *    segment within `maxRoadDistanceM`, and no loading zone within `loadingZoneMarginM`. On the
 *    carriageway it sends a `dwell` signal to the segment; when the dwell ends, a `left` signal.
 * 2. `road_blockage`, keyed by road segment: the vans dwelling on it (signals), its traffic-speed
 *    readings and the E.06 complaints near it. The first van raises one alert; more vans, a speed
 *    drop below `speedDropShare` of the limit and complaints update it and raise its severity; the
 *    last van leaving clears it.
 *
 * `state`, `inLoadingZone` and `speedKmh` of the source are hints: only a reported speed can end a
 * dwell (a moving van); nothing the source says can raise an alert.
 */

export const VEHICLE_RULE_ID = 'road_blockage.vehicle';
export const SEGMENT_RULE_ID = 'road_blockage';
const CATEGORY = 'E.06.02';
const MAX_PING_IDS = 8;

const num = (env: RuleEnv, name: string): number => {
  const v = Number(env.settings[name]);
  return Number.isFinite(v) ? v : 0;
};
const timeOf = (e: CityEvent) => Date.parse(e.eventTime);

/** A vehicle's current dwell candidate. */
export interface VehicleState {
  /** centroid sums and count of the dwell's pings */
  sx: number;
  sy: number;
  n: number;
  /** first and last ping of the dwell (event ms) */
  start: number;
  last: number;
  /** the latest ping ids of the dwell */
  ids: string[];
  /** a pending far ping (an outlier, or the van leaving) */
  far?: { t: number; lon: number; lat: number; id: string };
  /** the segment this dwell was signalled to, if any */
  seg?: string;
  /** pings since the last map-matching */
  since?: number;
}

export interface DwellSignal {
  kind: 'dwell' | 'left';
  vehicle: string;
  start: number;
  lon: number;
  lat: number;
  ids: string[];
  dwellMs: number;
  /** distance of the centroid to the segment */
  offM: number;
}

function newDwell(t: number, lon: number, lat: number, id: string): VehicleState {
  return { sx: lon, sy: lat, n: 1, start: t, last: t, ids: [id] };
}

function leftSignal(vehicle: string, s: VehicleState, at: number): RuleSignal[] {
  if (!s.seg) return [];
  const data: DwellSignal = {
    kind: 'left',
    vehicle,
    start: s.start,
    lon: s.sx / s.n,
    lat: s.sy / s.n,
    ids: [],
    dwellMs: s.last - s.start,
    offM: 0,
  };
  return [{ to: SEGMENT_RULE_ID, key: s.seg, at, data: { ...data } }];
}

/** Map-matches a long dwell; returns the signals for a change of segment (or of being on the road). */
function matchDwell(vehicle: string, s: VehicleState, env: RuleEnv): RuleSignal[] {
  const lon = s.sx / s.n;
  const lat = s.sy / s.n;
  const road = env.index.nearestRoad(lon, lat, num(env, 'maxRoadDistanceM'));
  const zone = road ? env.loadingZoneNear(lon, lat, num(env, 'loadingZoneMarginM')) : null;
  const seg = road && !zone ? road.roadId : undefined;
  s.since = 0;
  if (seg === s.seg) return [];
  const out = leftSignal(vehicle, s, s.last);
  s.seg = seg;
  if (seg) {
    const data: DwellSignal = {
      kind: 'dwell',
      vehicle,
      start: s.start,
      lon,
      lat,
      ids: [...s.ids],
      dwellMs: s.last - s.start,
      offM: Math.round(road!.distanceMeters * 10) / 10,
    };
    out.push({ to: SEGMENT_RULE_ID, key: seg, at: s.last, data: { ...data } });
  }
  return out;
}

/** when a dwell ends if nothing more is heard: a silence of maxGapMs, or farTimeoutMs after a far ping */
function wakeOf(s: VehicleState, env: RuleEnv): number {
  const silent = s.last + num(env, 'maxGapMs');
  return s.far ? Math.min(silent, s.far.t + num(env, 'farTimeoutMs')) : silent;
}

export const roadBlockageVehicle: Rule<VehicleState> = {
  type: 'road_blockage',
  id: VEHICLE_RULE_ID,
  parameters: {
    dwellThresholdMs: {
      default: 10 * 60_000,
      description: 'a dwell on the carriageway at least this long is a blockage',
    },
    dwellRadiusM: { default: 45, description: 'pings within this distance of the dwell centroid belong to the dwell' },
    maxGapMs: {
      default: 5 * 60_000,
      description: 'a silence longer than this ends a dwell (missed pings up to it are tolerated)',
    },
    movingSpeedKmh: { default: 8, description: 'a reported speed above this ends a dwell (hint)' },
    maxRoadDistanceM: {
      default: 12,
      description: 'the dwell centroid must be this close to a road segment (rejects off-road parking, depots)',
    },
    loadingZoneMarginM: {
      default: 5,
      description: 'a dwell centroid within this distance of a loading zone is a legal stop',
    },
    rematchEveryPings: { default: 5, description: 'a long dwell is map-matched again every this many pings' },
    farTimeoutMs: {
      default: 3 * 60_000,
      description: 'a far ping followed by this much silence ends the dwell (the van drove off and stopped reporting)',
    },
  },
  key: (e) => (e.type === 'delivery.vehicle' ? e.payload.vehicleId : null),
  step(state, e, env, _key): RuleStep<VehicleState> {
    if (e.type !== 'delivery.vehicle') return { state, alerts: [] };
    const t = timeOf(e);
    const { lon, lat } = e.location;
    const vehicle = e.payload.vehicleId;
    const maxGap = num(env, 'maxGapMs');
    const wake = (s: VehicleState) => wakeOf(s, env);
    if (!state) {
      const s = newDwell(t, lon, lat, e.id);
      return { state: s, alerts: [], wakeAt: wake(s) };
    }
    // a late or repeated ping says nothing new about where the van is now
    if (t <= state.last || (state.far && t <= state.far.t)) return { state, alerts: [], wakeAt: wake(state) };
    const s: VehicleState = { ...state, ids: [...state.ids] };
    if (t - s.last > maxGap) {
      const signals = leftSignal(vehicle, s, t);
      const fresh = newDwell(t, lon, lat, e.id);
      return { state: fresh, alerts: [], signals, wakeAt: wake(fresh) };
    }
    const moving = (e.payload.speedKmh ?? 0) > num(env, 'movingSpeedKmh');
    const d = distanceMeters(s.sx / s.n, s.sy / s.n, lon, lat);
    const radius = num(env, 'dwellRadiusM');
    if (d <= radius && !moving) {
      s.sx += lon;
      s.sy += lat;
      s.n += 1;
      s.last = t;
      s.ids = [...s.ids, e.id].slice(-MAX_PING_IDS);
      delete s.far;
      s.since = (s.since ?? 0) + 1;
      let signals: RuleSignal[] = [];
      if (s.last - s.start >= num(env, 'dwellThresholdMs')) {
        if (s.seg === undefined && s.since === 1) signals = matchDwell(vehicle, s, env);
        else if (s.seg === undefined || s.since >= num(env, 'rematchEveryPings')) signals = matchDwell(vehicle, s, env);
      }
      return { state: s, alerts: [], signals, wakeAt: wake(s) };
    }
    if (!s.far && !moving) {
      // one far ping is forgiven: GPS outliers of 50-100 m happen
      s.far = { t, lon, lat, id: e.id };
      return { state: s, alerts: [], wakeAt: wake(s) };
    }
    // the van left: the dwell ended at its last near ping
    const signals = leftSignal(vehicle, s, t);
    const far = s.far;
    let next = newDwell(t, lon, lat, e.id);
    if (far && !moving && distanceMeters(far.lon, far.lat, lon, lat) <= radius) {
      next = { sx: far.lon + lon, sy: far.lat + lat, n: 2, start: far.t, last: t, ids: [far.id, e.id] };
    }
    return { state: next, alerts: [], signals, wakeAt: wake(next) };
  },
  wake(state, wm, env, vehicle = 'vehicle') {
    const at = wakeOf(state, env);
    if (wm < at) return { state, alerts: [], wakeAt: at };
    // silent too long: whatever the van does now, this dwell is over
    return { state: undefined, alerts: [], signals: leftSignal(vehicle, state, wm) };
  },
};

/** A segment's vans, readings and complaints, and its open incident. */
export interface SegmentState {
  vans: Record<string, { start: number; lon: number; lat: number; at: number }>;
  /** recent traffic-speed readings [t, km/h, event id] */
  speeds: Array<[number, number, string]>;
  /** recent complaints [t, event id] */
  calls: Array<[number, string]>;
  inc?: {
    key: string;
    first: number;
    severity: AlertSeverity;
    place: AlertPlace;
    vans: number;
    maxVans: number;
    /** the last van left at this time: cleared when the grace is over, unless another van comes */
    leftAt?: number;
  };
}

const MAX_SPEEDS = 8;
const MAX_CALLS = 10;
const MAX_VANS = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** what corroborates an incident at `now`: the speed share of the limit and the complaints */
function corroboration(s: SegmentState, seg: string, now: number, env: RuleEnv) {
  const limit = env.road(seg)?.speedLimitKmh ?? 0;
  const windowMs = num(env, 'speedWindowMs');
  const recent = s.speeds.filter(([t]) => t >= now - windowMs && t <= now + 60_000);
  const share = limit > 0 && recent.length > 0 ? median(recent.map(([, v]) => v)) / limit : undefined;
  const since = (s.inc?.first ?? now) - num(env, 'complaintLeadMs');
  const calls = s.calls.filter(([t]) => t >= since && t <= now + 60_000);
  const slow = share !== undefined && share < num(env, 'speedDropShare');
  return { share, slow, calls, recent, limit };
}

function severityOf(vans: number, slow: boolean, calls: number): AlertSeverity {
  const score = (vans >= 2 ? 1 : 0) + (slow ? 1 : 0) + (calls > 0 ? 1 : 0);
  return score >= 2 ? 'critical' : score === 1 ? 'major' : 'minor';
}

const RANK: Record<AlertSeverity, number> = { info: 0, minor: 1, major: 2, critical: 3 };

function placeOf(seg: string, lon: number, lat: number, env: RuleEnv): AlertPlace {
  const loc = env.index.locate(lon, lat);
  const road = env.road(seg);
  if (loc.inside)
    return { lon, lat, roadSegmentId: seg, gridId: loc.gridId, streetId: loc.streetId, districtId: loc.districtId };
  return { lon, lat, roadSegmentId: seg, districtId: road?.districtId ?? 'unknown' };
}

function draft(
  s: SegmentState,
  seg: string,
  state: AlertDraft['state'],
  now: number,
  evidence: string[],
  env: RuleEnv,
): AlertDraft {
  const inc = s.inc!;
  const c = corroboration(s, seg, now, env);
  const road = env.road(seg);
  const vans = Object.keys(s.vans);
  const name = road?.name ?? seg;
  const mins = Math.round((now - inc.first) / 60_000);
  const speedZh = c.share !== undefined ? `，车速为限速的${Math.round(c.share * 100)}%` : '';
  const speedEn = c.share !== undefined ? `, traffic at ${Math.round(c.share * 100)}% of the limit` : '';
  const callsZh = c.calls.length ? `，${c.calls.length}起市民投诉` : '';
  const callsEn = c.calls.length ? `, ${c.calls.length} complaint(s)` : '';
  const summary =
    state === 'cleared'
      ? {
          zh: `${name}快递车辆占道已解除（持续${mins}分钟）`,
          en: `Delivery vans have left ${road?.nameEn ?? name} (${mins} min)`,
        }
      : {
          zh: `${name}${inc.vans}辆快递车占道卸货已${mins}分钟${speedZh}${callsZh}`,
          en: `${inc.vans} delivery van(s) unloading on the carriageway of ${road?.nameEn ?? name} for ${mins} min${speedEn}${callsEn}`,
        };
  const metrics: Record<string, number> = { vans: inc.vans, maxVans: inc.maxVans, minutes: mins };
  if (c.share !== undefined) metrics.speedShare = Math.round(c.share * 100) / 100;
  metrics.complaints = c.calls.length;
  return {
    incidentKey: inc.key,
    state,
    severity: inc.severity,
    place: inc.place,
    firstSignalAt: inc.first,
    detectedAt: now,
    categoryCode: CATEGORY,
    evidence,
    subjects: vans,
    summary,
    metrics,
  };
}

function cloneSeg(s: SegmentState | undefined): SegmentState {
  if (!s) return { vans: {}, speeds: [], calls: [] };
  return { vans: { ...s.vans }, speeds: [...s.speeds], calls: [...s.calls], ...(s.inc ? { inc: { ...s.inc } } : {}) };
}

/** forget the segment when nothing of it matters any more */
function settle(s: SegmentState, now: number, env: RuleEnv): RuleStep<SegmentState>['state'] {
  const keepMs = Math.max(num(env, 'speedWindowMs'), num(env, 'complaintLeadMs'));
  s.speeds = s.speeds.filter(([t]) => t >= now - keepMs).slice(-MAX_SPEEDS);
  s.calls = s.calls.filter(([t]) => t >= now - keepMs).slice(-MAX_CALLS);
  if (!s.inc && Object.keys(s.vans).length === 0 && s.speeds.length === 0 && s.calls.length === 0) return undefined;
  return s;
}

/** re-evaluates severity; an `updated` draft when it rose or the van count changed */
function reassess(
  s: SegmentState,
  seg: string,
  now: number,
  evidence: string[],
  env: RuleEnv,
  force: boolean,
): AlertDraft[] {
  const inc = s.inc;
  if (!inc) return [];
  const c = corroboration(s, seg, now, env);
  const vans = Object.keys(s.vans).length;
  const sev = severityOf(Math.max(vans, 1), c.slow, c.calls.length);
  const changed = vans !== inc.vans || RANK[sev] > RANK[inc.severity];
  inc.vans = vans;
  inc.maxVans = Math.max(inc.maxVans, vans);
  // severity never drops while the incident is open (the wall must not flicker)
  if (RANK[sev] > RANK[inc.severity]) inc.severity = sev;
  if (!changed && !force) return [];
  return [draft(s, seg, 'updated', now, evidence, env)];
}

/** when an open incident is looked at next: the end of the clear grace, or the safety net */
function wakeOfSegment(s: SegmentState, env: RuleEnv): number {
  const inc = s.inc!;
  const net = inc.first + num(env, 'maxIncidentMs');
  return inc.leftAt !== undefined ? Math.min(net, inc.leftAt + num(env, 'clearGraceMs')) : net;
}

export const roadBlockage: Rule<SegmentState> = {
  type: 'road_blockage',
  id: SEGMENT_RULE_ID,
  level: 2,
  parameters: {
    speedDropShare: {
      default: 0.4,
      description: "the segment's median traffic speed below this share of the limit corroborates (severity)",
    },
    speedWindowMs: { default: 5 * 60_000, description: 'traffic-speed readings this recent are looked at' },
    complaintRadiusM: { default: 400, description: 'E.06 complaints within this distance of a segment are about it' },
    complaintLeadMs: {
      default: 5 * 60_000,
      description: 'complaints from this long before the first van stopped count too',
    },
    clearGraceMs: {
      default: 30_000,
      description: 'the last van gone, the alert is cleared this long after unless another van dwells there',
    },
    maxIncidentMs: {
      default: 4 * 3600_000,
      description: 'an incident open this long without its vans leaving is cleared (a safety net)',
    },
  },
  key: (e) => {
    if (e.type === 'sensor.reading' && e.payload.kind === 'traffic_speed' && e.location.roadSegmentId)
      return e.location.roadSegmentId;
    return null;
  },
  keys(e, env) {
    if (e.type === 'sensor.reading') {
      if (e.payload.kind !== 'traffic_speed' || e.payload.status === 'offline') return [];
      if (e.location.roadSegmentId) return [e.location.roadSegmentId];
      const r = env.index.nearestRoad(e.location.lon, e.location.lat, 30);
      return r ? [r.roadId] : [];
    }
    if (e.type === 'hotline.ticket' && e.payload.stage === 'received' && e.category.code.startsWith('E.06')) {
      return env.roadsNear(e.location.lon, e.location.lat, num(env, 'complaintRadiusM'), 8).map((r) => r.roadId);
    }
    return [];
  },
  step(state, e, env, key) {
    const seg = key ?? (e.location.roadSegmentId || '');
    const t = timeOf(e);
    const s = cloneSeg(state);
    let evidence: string[] = [];
    if (e.type === 'sensor.reading' && e.payload.kind === 'traffic_speed') {
      if (!s.speeds.some(([, , id]) => id === e.id))
        s.speeds = [...s.speeds, [t, e.payload.value, e.id] as [number, number, string]]
          .sort((a, b) => a[0] - b[0])
          .slice(-MAX_SPEEDS);
      if (s.inc && e.payload.value < num(env, 'speedDropShare') * (env.road(seg)?.speedLimitKmh ?? 0))
        evidence = [e.id];
    } else if (e.type === 'hotline.ticket') {
      if (!s.calls.some(([, id]) => id === e.id))
        s.calls = [...s.calls, [t, e.id] as [number, string]].slice(-MAX_CALLS);
      if (s.inc) evidence = [e.id];
    }
    const alerts = s.inc
      ? reassess(s, seg, Math.max(t, s.inc.first), evidence, env, evidence.length > 0 && e.type === 'hotline.ticket')
      : [];
    return { state: settle(s, t, env), alerts, ...(s.inc ? { wakeAt: wakeOfSegment(s, env) } : {}) };
  },
  signal(state, sig, env) {
    const d = sig.data as unknown as DwellSignal;
    const s = cloneSeg(state);
    const seg = sig.key;
    const now = sig.at;
    const alerts: AlertDraft[] = [];
    if (d.kind === 'dwell') {
      if (Object.keys(s.vans).length < MAX_VANS || s.vans[d.vehicle])
        s.vans[d.vehicle] = { start: d.start, lon: d.lon, lat: d.lat, at: now };
      if (!s.inc) {
        const c = corroboration(s, seg, now, env);
        s.inc = {
          key: String(d.start),
          first: d.start,
          severity: severityOf(1, c.slow, c.calls.length),
          place: placeOf(seg, d.lon, d.lat, env),
          vans: Object.keys(s.vans).length,
          maxVans: Object.keys(s.vans).length,
        };
        const c2 = corroboration(s, seg, now, env);
        s.inc.severity = severityOf(s.inc.vans, c2.slow, c2.calls.length);
        const ev = [
          ...d.ids,
          ...c2.recent.filter(([, v]) => v < num(env, 'speedDropShare') * c2.limit).map(([, , id]) => id),
          ...c2.calls.map(([, id]) => id),
        ];
        alerts.push(draft(s, seg, 'raised', now, ev, env));
      } else {
        delete s.inc.leftAt;
        alerts.push(...reassess(s, seg, now, d.ids, env, false));
      }
    } else {
      const van = s.vans[d.vehicle];
      if (van && van.start === d.start) delete s.vans[d.vehicle];
      // cleared once the grace is over (level-2 time: every partition has signalled up to it)
      if (s.inc && Object.keys(s.vans).length === 0) s.inc.leftAt = now;
      else alerts.push(...reassess(s, seg, now, [], env, false));
    }
    return { state: settle(s, now, env), alerts, ...(s.inc ? { wakeAt: wakeOfSegment(s, env) } : {}) };
  },
  wake(state, wm, env, seg = '') {
    const s = cloneSeg(state);
    if (!s.inc) return { state: settle(s, wm, env), alerts: [] };
    const at = wakeOfSegment(s, env);
    if (wm < at) return { state: s, alerts: [], wakeAt: at };
    const alerts = [draft(s, seg, 'cleared', s.inc.leftAt ?? wm, [], env)];
    delete s.inc;
    s.vans = {};
    return { state: settle(s, wm, env), alerts };
  },
};
