import type { AlertPlace, AlertSeverity, CityEvent, SensorKind } from '@cityops/schema';
import type { AlertDraft, Rule, RuleEnv, RuleStep } from './rule.js';

/**
 * Simple threshold rules on one sensor's own readings (manhole cover tilt, noise at night), and the
 * small helpers the sensor rules share: reading a value in its unit, local time of day, the place
 * of an alert. State is per sensor and tiny; a sensor with nothing pending has no state at all.
 */

export const MINUTE = 60_000;

export const num = (env: RuleEnv, name: string): number => Number(env.settings[name]);
export const str = (env: RuleEnv, name: string): string => String(env.settings[name]);
export const bool = (env: RuleEnv, name: string): boolean =>
  env.settings[name] === true || env.settings[name] === 'true';

/** Event time in epoch ms. */
export const timeOf = (e: CityEvent): number => Date.parse(e.eventTime);

/** One measurement of a sensor, in the rule's unit. */
export interface Reading {
  id: string;
  sensorId: string;
  t: number;
  value: number;
  status: 'ok' | 'alarm' | 'offline' | 'heartbeat';
  lon: number;
  lat: number;
  loc: CityEvent['location'];
}

/**
 * The measurement an event carries for `kind`, converted by `units` (unit → factor to the rule's
 * unit), or null: another kind, a unit we do not know (a battery heartbeat in `%`), an `offline`
 * notice (its value is no measurement), or no district (outside the city).
 */
export function sensorReading(e: CityEvent, kind: SensorKind, units: Record<string, number>): Reading | null {
  if (e.type !== 'sensor.reading' || e.payload.kind !== kind || e.payload.status === 'offline') return null;
  const factor = units[e.payload.unit];
  if (factor === undefined || !Number.isFinite(e.payload.value)) return null;
  const t = timeOf(e);
  if (!Number.isFinite(t) || !e.location.districtId) return null;
  return {
    id: e.id,
    sensorId: e.payload.sensorId,
    t,
    value: e.payload.value * factor,
    status: e.payload.status,
    lon: e.location.lon,
    lat: e.location.lat,
    loc: e.location,
  };
}

/** The alert place of an event's location (district required). */
export function placeOf(loc: CityEvent['location']): AlertPlace {
  const p: AlertPlace = { lon: loc.lon, lat: loc.lat, districtId: loc.districtId ?? 'unknown' };
  if (loc.roadSegmentId) p.roadSegmentId = loc.roadSegmentId;
  if (loc.gridId) p.gridId = loc.gridId;
  if (loc.streetId) p.streetId = loc.streetId;
  return p;
}

/** Minutes since local midnight at `ms` for a fixed UTC offset in minutes (Shanghai: 480, no DST). */
export function localMinuteOfDay(ms: number, utcOffsetMinutes: number): number {
  const m = Math.floor(ms / MINUTE) + utcOffsetMinutes;
  return ((m % 1440) + 1440) % 1440;
}

/** "22:00" → 1320. Throws on anything else, so a bad pack setting is found at start. */
export function hhmm(s: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new Error(`not a time of day (HH:MM): ${s}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** True when minute-of-day `m` is in [from, to), wrapping past midnight when from > to. */
export function inDailyWindow(m: number, from: number, to: number): boolean {
  return from <= to ? m >= from && m < to : m >= from || m < to;
}

/** The next moment after `ms` at which local time is `minuteOfDay`. */
export function nextLocal(ms: number, minuteOfDay: number, utcOffsetMinutes: number): number {
  const now = localMinuteOfDay(ms, utcOffsetMinutes);
  const startOfMinute = Math.floor(ms / MINUTE) * MINUTE;
  const ahead = (minuteOfDay - now + 1440) % 1440 || 1440;
  return startOfMinute + ahead * MINUTE;
}

/** Keeps the newest `cap` items. */
export function capped<T>(list: T[], cap: number): T[] {
  return list.length > cap ? list.slice(list.length - cap) : list;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

// ---------------------------------------------------------------------------------------------
// manhole_tilt

/** Per manhole cover: consecutive readings above the limit, and the open alert if any. */
export interface TiltState {
  /** time of the newest reading folded (older ones arriving late are ignored) */
  t: number;
  /** consecutive readings above the limit */
  k: number;
  /** first of those readings */
  since: number;
  /** their event ids, newest last (at most `persistReadings`) */
  ev: string[];
  peak: number;
  /** open alert: the incident key */
  open?: string;
  /** severity last published */
  sev?: AlertSeverity;
}

const TILT_CATEGORY = 'E.05.02';

function tiltSeverity(deg: number, env: RuleEnv): AlertSeverity {
  return deg >= num(env, 'criticalDeg') ? 'critical' : 'major';
}

export const manholeTiltRule: Rule<TiltState> = {
  type: 'manhole_tilt',
  parameters: {
    limitDeg: { default: 15, description: 'tilt (degrees) above which a cover counts as lifted or displaced' },
    persistReadings: {
      default: 2,
      description: 'consecutive readings above the limit before an alert (a truck knock is one)',
    },
    clearDeg: { default: 5, description: 'the alert clears on the first reading at or below this tilt (hysteresis)' },
    criticalDeg: { default: 30, description: 'peak tilt (degrees) from which the alert is critical' },
  },
  key(e) {
    return e.type === 'sensor.reading' && e.payload.kind === 'manhole_cover' ? e.payload.sensorId : null;
  },
  step(state, e, env): RuleStep<TiltState> {
    const r = sensorReading(e, 'manhole_cover', { deg: 1, '°': 1, rad: 180 / Math.PI });
    if (!r) return { state, alerts: [] };
    if (state && r.t <= state.t) return { state, alerts: [] }; // late: this cover has moved on
    const limit = num(env, 'limitDeg');
    const s: TiltState = state ?? { t: r.t, k: 0, since: r.t, ev: [], peak: 0 };
    s.t = r.t;
    const alerts: AlertDraft[] = [];
    const draft = (st: AlertDraft['state'], ev: string[]): AlertDraft => ({
      incidentKey: s.open!,
      state: st,
      severity: tiltSeverity(s.peak, env),
      place: placeOf(r.loc),
      firstSignalAt: s.since,
      detectedAt: r.t,
      categoryCode: TILT_CATEGORY,
      evidence: ev,
      subjects: [r.sensorId],
      summary: {
        zh: `井盖倾斜 ${round1(s.peak)}°（${r.sensorId}），持续 ${s.k} 次读数`,
        en: `Manhole cover tilted ${round1(s.peak)}° (${r.sensorId}) for ${s.k} readings`,
      },
      metrics: { tiltDeg: round1(r.value), peakDeg: round1(s.peak), readings: s.k },
    });
    if (r.value > limit) {
      if (s.k === 0) {
        s.since = r.t;
        s.peak = 0;
        s.ev = [];
      }
      s.k += 1;
      s.peak = Math.max(s.peak, r.value);
      s.ev = capped([...s.ev, r.id], Math.max(1, num(env, 'persistReadings')));
      if (!s.open && s.k >= num(env, 'persistReadings')) {
        s.open = `${r.sensorId}@${s.since}`;
        s.sev = tiltSeverity(s.peak, env);
        alerts.push(draft('raised', s.ev));
      } else if (s.open && tiltSeverity(s.peak, env) !== s.sev) {
        s.sev = tiltSeverity(s.peak, env);
        alerts.push(draft('updated', [r.id]));
      }
      return { state: s, alerts };
    }
    if (s.open) {
      if (r.value > num(env, 'clearDeg')) return { state: s, alerts }; // between clear and limit: hold
      alerts.push({
        ...draft('cleared', [r.id]),
        summary: { zh: `井盖已复位（${r.sensorId}）`, en: `Manhole cover back in place (${r.sensorId})` },
      });
    }
    return { state: undefined, alerts }; // nothing pending: forget the cover
  },
  wake(state) {
    return { state, alerts: [] };
  },
};

// ---------------------------------------------------------------------------------------------
// noise_night

/**
 * Per noise monitor, at night only: its readings of the last `windowMinutes` (time, dB), from which
 * the window's Leq (energy mean) and the share of readings over the limit are computed, and the
 * open alert if any. By day the monitor has no state.
 */
export interface NoiseState {
  t: number;
  /** readings in the window: [time, dB] */
  w: Array<[number, number]>;
  /** first reading of this night's tracking */
  from: number;
  /** first time the window was over the limit in this episode */
  above: number;
  peak: number;
  open?: string;
  sev?: AlertSeverity;
  /** where (kept for the clear at dawn, which has no event) */
  lon: number;
  lat: number;
  d: string;
  s?: string;
  g?: string;
  id: string;
}

const NOISE_CATEGORY = 'E.07.01';
const MAX_WINDOW_READINGS = 60;

/** Leq of the window (energy mean of the readings) and the share of readings over `limit`. */
function windowStats(w: Array<[number, number]>, limit: number): { leq: number; share: number } {
  let e = 0;
  let over = 0;
  for (const [, v] of w) {
    e += 10 ** (v / 10);
    if (v > limit) over += 1;
  }
  return { leq: w.length ? 10 * Math.log10(e / w.length) : 0, share: w.length ? over / w.length : 0 };
}

function noisePlace(s: NoiseState): AlertPlace {
  return {
    lon: s.lon,
    lat: s.lat,
    districtId: s.d,
    ...(s.s ? { streetId: s.s } : {}),
    ...(s.g ? { gridId: s.g } : {}),
  };
}

function noiseDraft(s: NoiseState, st: AlertDraft['state'], at: number, ev: string[], env: RuleEnv): AlertDraft {
  const limit = num(env, 'limitDb');
  const { leq, share } = windowStats(s.w, limit);
  const level = round1(leq);
  return {
    incidentKey: s.open!,
    state: st,
    severity: s.sev ?? 'minor',
    place: noisePlace(s),
    firstSignalAt: s.above || s.from,
    detectedAt: at,
    categoryCode: NOISE_CATEGORY,
    evidence: ev,
    subjects: [s.id],
    summary:
      st === 'cleared'
        ? { zh: `夜间噪声已回落（${s.id}）`, en: `Night noise back under the limit (${s.id})` }
        : {
            zh: `夜间噪声超标：等效声级 ${level} dB(A)，限值 ${limit}（${s.id}）`,
            en: `Night noise over the limit: Leq ${level} dB(A), limit ${limit} (${s.id})`,
          },
    metrics: {
      leqDb: level,
      limitDb: limit,
      peakLeqDb: round1(s.peak),
      overShare: round1(share),
      readings: s.w.length,
    },
  };
}

function noiseSeverity(level: number, env: RuleEnv): AlertSeverity {
  return level - num(env, 'limitDb') >= num(env, 'majorOverDb') ? 'major' : 'minor';
}

function nightOf(env: RuleEnv) {
  return { off: num(env, 'utcOffsetMinutes'), from: hhmm(str(env, 'nightFrom')), to: hhmm(str(env, 'nightTo')) };
}

export const noiseNightRule: Rule<NoiseState> = {
  type: 'noise_night',
  parameters: {
    limitDb: {
      default: 55,
      description: 'night limit, dB(A), for the Leq of the window (GB 3096-2008 class 4a roadside: 55 at night)',
    },
    nightFrom: { default: '22:00', description: 'night starts (local time, HH:MM)' },
    nightTo: { default: '06:00', description: 'night ends (local time, HH:MM)' },
    utcOffsetMinutes: { default: 480, description: "the pack's local time as minutes east of UTC (Shanghai 480)" },
    windowMinutes: {
      default: 30,
      description: 'the sliding window (min) for the Leq; also the least tracked time before an alert',
    },
    minReadings: { default: 5, description: 'readings needed in the window before it is judged' },
    sustainedShare: {
      default: 0.5,
      description: 'share of the window readings that must be over the limit (a burst is not sustained)',
    },
    clearBelowDb: {
      default: 2,
      description:
        'the alert clears when the Leq is this far under the limit or the share under a third of sustainedShare, or at dawn',
    },
    majorOverDb: { default: 10, description: 'dB over the limit (peak Leq) from which the alert is major' },
  },
  key(e) {
    return e.type === 'sensor.reading' && e.payload.kind === 'noise' ? e.payload.sensorId : null;
  },
  step(state, e, env): RuleStep<NoiseState> {
    const r = sensorReading(e, 'noise', { dB: 1, 'dB(A)': 1, dBA: 1, db: 1 });
    if (!r) return { state, alerts: [] };
    if (state && r.t <= state.t) return { state, alerts: [] };
    const { off, from, to } = nightOf(env);
    if (!inDailyWindow(localMinuteOfDay(r.t, off), from, to)) {
      // by day there is no night limit: close what is open and forget the monitor
      if (state?.open) return { state: undefined, alerts: [noiseDraft(state, 'cleared', r.t, [r.id], env)] };
      return { state: undefined, alerts: [] };
    }
    const win = num(env, 'windowMinutes') * MINUTE;
    const s: NoiseState = state ?? {
      t: r.t,
      w: [],
      from: r.t,
      above: 0,
      peak: 0,
      lon: r.lon,
      lat: r.lat,
      d: r.loc.districtId!,
      id: r.sensorId,
      ...(r.loc.streetId ? { s: r.loc.streetId } : {}),
      ...(r.loc.gridId ? { g: r.loc.gridId } : {}),
    };
    if (r.t - s.t > win) {
      s.w = []; // a gap longer than the window: judge afresh
      s.from = r.t;
    }
    s.t = r.t;
    s.w = capped([...s.w.filter(([t]) => t > r.t - win), [r.t, r.value]], MAX_WINDOW_READINGS);
    const limit = num(env, 'limitDb');
    const { leq, share } = windowStats(s.w, limit);
    const judged = s.w.length >= num(env, 'minReadings') && r.t - s.from >= win;
    const sustained = leq > limit && share >= num(env, 'sustainedShare');
    const alerts: AlertDraft[] = [];
    if (sustained) {
      if (!s.above) s.above = r.t;
      s.peak = Math.max(s.peak, leq);
      if (!s.open && judged) {
        s.open = `${r.sensorId}@${s.above}`;
        s.sev = noiseSeverity(s.peak, env);
        alerts.push(noiseDraft(s, 'raised', r.t, [r.id], env));
      } else if (s.open && noiseSeverity(s.peak, env) !== s.sev) {
        s.sev = noiseSeverity(s.peak, env);
        alerts.push(noiseDraft(s, 'updated', r.t, [r.id], env));
      }
    } else if (s.open) {
      if (leq <= limit - num(env, 'clearBelowDb') || share < num(env, 'sustainedShare') / 3) {
        alerts.push(noiseDraft(s, 'cleared', r.t, [r.id], env));
        delete s.open;
        delete s.sev;
        s.peak = 0;
        s.above = 0;
      }
    } else {
      s.above = 0;
      s.peak = 0;
      // far under the limit with nothing open: no need to remember this monitor tonight
      if (leq < limit - 10 && share === 0) return { state: undefined, alerts };
    }
    return { state: s, alerts, wakeAt: nextLocal(r.t, to, off) };
  },
  wake(state, watermark, env) {
    const { off, from, to } = nightOf(env);
    const dawn = nextLocal(state.t, to, off);
    if (watermark < dawn && inDailyWindow(localMinuteOfDay(watermark, off), from, to)) {
      return { state, alerts: [], wakeAt: dawn };
    }
    // dawn: the night limit ends; close the alert and forget the monitor
    return { state: undefined, alerts: state.open ? [noiseDraft(state, 'cleared', dawn, [], env)] : [] };
  },
};
