import type { AlertDraft, Rule, RuleEnv, RuleSignal, RuleStep } from './rule.js';
import { MINUTE, bool, num, timeOf } from './thresholds.js';

/**
 * feed_offline, in two stages (two keys, so two rules with a signal between them):
 *
 * 1. `feed_offline.sensor`, per sensor: when it was last heard of and its usual interval, learned
 *    from its own history (any message proves it alive: a reading, a zero, a heartbeat). A timer at
 *    last + (missedIntervals + ½) × interval finds it silent and signals its feed; the next message
 *    signals it back. State is a handful of numbers per sensor, so 200,000 sensors stay small.
 * 2. `feed_offline`, per feed (source × kind × district): the silent sensors of the feed. When
 *    `minSilent` are silent together, one alert names the feed and the silent ids (capped),
 *    updated as more fall silent, cleared when fewer than `minSilent` remain. A sensor silent on
 *    its own, without having said `offline` first, gets its own alert after `singleAfterMinutes`
 *    (a device that announced it is going offline is known maintenance, not a surprise).
 */

export const SENSOR_RULE_ID = 'feed_offline.sensor';
export const FEED_RULE_ID = 'feed_offline';

export interface SensorLife {
  /** last heard of (event time) */
  t: number;
  /** learned interval (ms) */
  i: number;
  /** gaps learned so far (capped) */
  c: number;
  /** feed key */
  f: string;
  /** category code of its readings */
  k: string;
  lon: number;
  lat: number;
  /** 1: it said `offline` last */
  o?: 1;
  /** 1: signalled silent */
  s?: 1;
}

const clampInterval = (i: number, env: RuleEnv) =>
  Math.min(num(env, 'maxIntervalMinutes') * MINUTE, Math.max(num(env, 'minIntervalMinutes') * MINUTE, i));

const deadline = (s: SensorLife, env: RuleEnv) => s.t + (num(env, 'missedIntervals') + 0.5) * s.i;

export const feedKey = (source: string, kind: string, district: string) => `${source}:${kind}@${district}`;

export const sensorLifeRule: Rule<SensorLife> = {
  type: 'feed_offline',
  id: SENSOR_RULE_ID,
  parameters: {
    defaultIntervalMinutes: {
      default: 10,
      description: 'interval assumed for a sensor not yet learned (the heartbeat period)',
    },
    missedIntervals: { default: 2, description: 'missed intervals after which a sensor is silent' },
    minIntervalMinutes: {
      default: 1,
      description: 'the learned interval is at least this (a burst of readings is not the rhythm)',
    },
    maxIntervalMinutes: { default: 60, description: 'and at most this' },
  },
  key(e) {
    if (e.type !== 'sensor.reading' || !e.location.districtId) return null;
    return e.payload.sensorId;
  },
  step(state, e, env): RuleStep<SensorLife> {
    if (e.type !== 'sensor.reading' || !e.location.districtId) return { state, alerts: [] };
    const t = timeOf(e);
    if (!Number.isFinite(t)) return { state, alerts: [] };
    const feed = feedKey(e.source, e.payload.kind, e.location.districtId);
    if (!state) {
      const s: SensorLife = {
        t,
        i: num(env, 'defaultIntervalMinutes') * MINUTE,
        c: 0,
        f: feed,
        k: e.category.code,
        lon: e.location.lon,
        lat: e.location.lat,
      };
      if (e.payload.status === 'offline') s.o = 1;
      return { state: s, alerts: [], wakeAt: deadline(s, env) };
    }
    if (t <= state.t) return { state, alerts: [], wakeAt: state.s ? undefined : deadline(state, env) }; // late: already alive then
    const signals: RuleSignal[] = [];
    const gap = t - state.t;
    if (state.s) {
      // back after silence: the gap is no rhythm to learn from
      signals.push({ to: FEED_RULE_ID, key: state.f, at: t, data: { back: e.payload.sensorId } });
      delete state.s;
      // a silence that was only a slower rhythm (a gauge back from every minute to every five) must not
      // repeat: the interval takes the gap, up to the heartbeat period every sensor keeps
      state.i = clampInterval(Math.max(state.i, Math.min(gap, num(env, 'defaultIntervalMinutes') * MINUTE)), env);
    } else if (gap >= 1000) {
      if (state.c < 5) {
        // the first gaps: their mean, so a fresh start learns the rhythm within minutes
        state.i = state.c === 0 ? gap : (state.i * state.c + gap) / (state.c + 1);
        state.c += 1;
      } else {
        // then a slowly forgetting maximum: a sensor that reported faster for a while (a gauge
        // during a flood) must not be called silent when it goes back to its usual rhythm
        state.i = Math.max(gap, state.i * 0.995);
      }
      state.i = clampInterval(state.i, env);
    }
    state.t = t;
    state.f = feed;
    state.lon = e.location.lon;
    state.lat = e.location.lat;
    if (e.payload.status === 'offline') state.o = 1;
    else delete state.o;
    return { state, alerts: [], wakeAt: deadline(state, env), signals };
  },
  wake(state, watermark, env, key) {
    if (state.s) return { state, alerts: [] };
    if (watermark < deadline(state, env)) return { state, alerts: [], wakeAt: deadline(state, env) };
    state.s = 1;
    const signal: RuleSignal = {
      to: FEED_RULE_ID,
      key: state.f,
      at: Math.round(deadline(state, env)),
      data: {
        id: key ?? '?',
        since: state.t,
        k: state.k,
        lon: state.lon,
        lat: state.lat,
        ...(state.o ? { o: 1 } : {}),
      },
    };
    return { state, alerts: [], signals: [signal] };
  },
};

/** One silent sensor of a feed: since (last heard of), found (silent from), lon, lat, 1 if it announced `offline`, its single alert if any. */
export type Silent = [number, number, number, number, 0 | 1, string?];

export interface FeedState {
  f: string;
  /** category code of the feed's readings */
  k: string;
  /** silent sensors by id (at most MAX_SILENT kept) */
  q: Record<string, Silent>;
  /** silent sensors beyond the cap (counted, not named) */
  over: number;
  /** open feed alert */
  open?: { key: string; first: number; lon: number; lat: number; said: number };
  /** newest signal time */
  t: number;
  /** a pending update (or single-sensor check) is due */
  due?: number;
}

const MAX_SILENT = 1000;

const silentCount = (st: FeedState) => Object.keys(st.q).length + st.over;
/** Silent without notice and found within `togetherMinutes` of `now`: what makes a feed outage. */
const freshSilent = (st: FeedState, now: number, env: RuleEnv) => {
  const w = num(env, 'togetherMinutes') * MINUTE;
  return Object.values(st.q).filter((s) => !s[4] && now - s[1] <= w).length + st.over;
};

function feedSeverity(n: number, env: RuleEnv) {
  if (n >= num(env, 'criticalSilent')) return 'critical' as const;
  if (n >= num(env, 'majorSilent')) return 'major' as const;
  return 'minor' as const;
}

/** "sim.sensors:water_level@sh-putuo" → its parts, for the summary and the place. */
function feedParts(f: string) {
  const m = /^(.*):([^:@]+)@(.+)$/.exec(f);
  return m ? { source: m[1]!, kind: m[2]!, district: m[3]! } : { source: f, kind: '?', district: 'unknown' };
}

function feedDraft(st: FeedState, state: AlertDraft['state'], at: number, env: RuleEnv): AlertDraft {
  const o = st.open!;
  const n = silentCount(st);
  const { source, kind, district } = feedParts(st.f);
  const ids = Object.keys(st.q).sort().slice(0, 100);
  return {
    incidentKey: o.key,
    state,
    severity: feedSeverity(Math.max(n, o.said), env),
    place: { lon: o.lon, lat: o.lat, districtId: district },
    firstSignalAt: o.first,
    detectedAt: at,
    categoryCode: st.k,
    evidence: [],
    subjects: state === 'cleared' ? [] : ids,
    summary:
      state === 'cleared'
        ? { zh: `数据源恢复：${source} ${kind}（${district}）`, en: `Feed back: ${source} ${kind} in ${district}` }
        : {
            zh: `数据源中断：${source} ${kind}（${district}）${n} 个传感器无心跳`,
            en: `Feed offline: ${source} ${kind} in ${district}, ${n} sensors silent`,
          },
    metrics: { silent: n },
  };
}

function singleDraft(st: FeedState, id: string, s: Silent, state: AlertDraft['state'], at: number): AlertDraft {
  const { source, kind, district } = feedParts(st.f);
  return {
    incidentKey: s[5]!,
    state,
    severity: 'info',
    place: { lon: s[2], lat: s[3], districtId: district },
    firstSignalAt: s[0],
    detectedAt: at,
    categoryCode: st.k,
    evidence: [],
    subjects: [id],
    summary:
      state === 'cleared'
        ? { zh: `传感器恢复：${id}`, en: `Sensor back: ${id}` }
        : {
            zh: `传感器无心跳：${id}（${kind}，${district}）`,
            en: `Sensor silent: ${id} (${kind}, ${district}, ${source})`,
          },
    metrics: { silentMinutes: Math.round((at - s[0]) / MINUTE) },
  };
}

/** Raises, updates or clears the feed alert and the single-sensor alerts, as the silent set now stands. */
function judge(st: FeedState, now: number, env: RuleEnv): AlertDraft[] {
  const out: AlertDraft[] = [];
  const n = silentCount(st);
  const min = num(env, 'minSilent');
  if (!st.open && freshSilent(st, now, env) >= min) {
    const first = Math.min(...Object.values(st.q).map((s) => s[0]));
    const any = Object.values(st.q).find((s) => !s[4]) ?? Object.values(st.q)[0]!;
    st.open = { key: `${st.f}@${first}`, first, lon: any[2], lat: any[3], said: n };
    // sensors that had their own alert are now part of the feed's
    for (const [id, s] of Object.entries(st.q))
      if (s[5]) {
        out.push(singleDraft(st, id, s, 'cleared', now));
        s.length = 5;
      }
    out.push(feedDraft(st, 'raised', now, env));
  } else if (st.open && n < min) {
    out.push(feedDraft(st, 'cleared', now, env));
    delete st.open;
    // the feed is back; the last few still silent get the single grace from now, as stragglers usually follow
    for (const q of Object.values(st.q)) q[1] = now;
  } else if (st.open && n !== st.open.said && (st.due ?? Infinity) <= now) {
    st.open.said = n;
    out.push(feedDraft(st, 'updated', now, env));
  }
  if (!st.open && bool(env, 'singleSensorAlerts')) {
    const after = num(env, 'singleAfterMinutes') * MINUTE;
    for (const [id, s] of Object.entries(st.q))
      if (!s[5] && !s[4] && now - s[1] >= after) {
        s[5] = `${id}@${s[0]}`;
        out.push(singleDraft(st, id, s, 'raised', now));
      }
  }
  return out;
}

/** When this feed next needs a look: a coalesced update, or a single sensor's grace ending. */
function feedWake(st: FeedState, env: RuleEnv): number | undefined {
  let w = st.due ?? Infinity;
  if (!st.open && bool(env, 'singleSensorAlerts')) {
    const after = num(env, 'singleAfterMinutes') * MINUTE;
    for (const s of Object.values(st.q)) if (!s[5] && !s[4]) w = Math.min(w, s[1] + after);
  }
  return Number.isFinite(w) ? w : undefined;
}

export const feedOfflineRule: Rule<FeedState> = {
  type: 'feed_offline',
  id: FEED_RULE_ID,
  parameters: {
    minSilent: {
      default: 3,
      description: 'sensors of one feed found silent without notice within togetherMinutes that make a feed outage',
    },
    togetherMinutes: {
      default: 15,
      description: 'a feed outage silences its sensors together (sensors that announced offline do not count)',
    },
    updateEverySeconds: {
      default: 60,
      description: 'a feed alert is updated at most this often as sensors fall silent or come back',
    },
    singleSensorAlerts: {
      default: true,
      description: 'a sensor silent on its own, without an offline notice, gets its own alert',
    },
    singleAfterMinutes: {
      default: 10,
      description: 'grace after a single sensor is found silent, for its feed-mates to show a feed outage first',
    },
    majorSilent: { default: 20, description: 'silent sensors from which a feed alert is major' },
    criticalSilent: { default: 200, description: 'silent sensors from which a feed alert is critical' },
  },
  key() {
    return null; // fed by signals from feed_offline.sensor only
  },
  step(state) {
    return { state, alerts: [] };
  },
  signal(state, sig, env): RuleStep<FeedState> {
    const st: FeedState = state ?? { f: sig.key, k: 'P.00', q: {}, over: 0, t: sig.at };
    st.t = Math.max(st.t, sig.at);
    const d = sig.data as { id?: string; since?: number; k?: string; lon?: number; lat?: number; o?: 1; back?: string };
    const alerts: AlertDraft[] = [];
    if (typeof d.back === 'string') {
      const s = st.q[d.back];
      if (s) {
        if (s[5]) alerts.push(singleDraft(st, d.back, s, 'cleared', sig.at));
        delete st.q[d.back];
      } else if (st.over > 0) st.over -= 1;
    } else if (typeof d.id === 'string' && typeof d.since === 'number') {
      if (typeof d.k === 'string' && /^[PE]\.\d{2}(\.\d{2})?$/.test(d.k)) st.k = d.k;
      if (!st.q[d.id]) {
        if (Object.keys(st.q).length < MAX_SILENT) st.q[d.id] = [d.since, sig.at, d.lon ?? 0, d.lat ?? 0, d.o ? 1 : 0];
        else st.over += 1;
      }
    }
    if (st.open && st.due === undefined) st.due = sig.at + num(env, 'updateEverySeconds') * 1000;
    alerts.push(...judge(st, sig.at, env));
    if (st.due !== undefined && (!st.open || st.open.said === silentCount(st))) delete st.due;
    if (!st.open && silentCount(st) === 0) return { state: undefined, alerts };
    return { state: st, alerts, wakeAt: feedWake(st, env) };
  },
  wake(state, watermark, env) {
    const alerts = judge(state, watermark, env);
    if (state.due !== undefined && state.due <= watermark) delete state.due;
    return { state, alerts, wakeAt: feedWake(state, env) };
  },
};
