import { loadCityPack } from '@cityops/city';
import type { CityEvent } from '@cityops/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { packContext, ruleEnv } from '../env.js';
import { FEED_RULE_ID, SENSOR_RULE_ID, feedOfflineRule, sensorLifeRule } from './feed-offline.js';
import type { AlertDraft, AnyRule, RuleEnv, RuleSignal, RuleStep } from './rule.js';

const MIN = 60_000;
const T0 = Date.parse('2025-06-02T08:00:00+08:00');

let seq = 0;
function msg(
  sensorId: string,
  t: number,
  o: {
    kind?: 'water_level' | 'traffic_speed';
    value?: number;
    unit?: string;
    status?: 'ok' | 'heartbeat' | 'offline';
    district?: string;
  } = {},
): CityEvent {
  const { kind = 'water_level', value = 1.2, unit = 'cm', status = 'ok', district = 'sh-putuo' } = o;
  return {
    v: 1,
    id: `e${++seq}`,
    source: 'sim.sensors',
    type: 'sensor.reading',
    eventTime: new Date(t).toISOString(),
    location: { lon: 121.4 + Number(sensorId.replace(/\D/g, '')) / 1000, lat: 31.2, districtId: district },
    category: { kind: 'part', code: kind === 'water_level' ? 'P.01.10' : 'P.02.10' },
    payload: { sensorId, kind, value, unit, status },
  };
}

/** Gauges reporting every 5 min with a battery heartbeat every 10, except while `silent(id, t)`. */
function fleet(ids: string[], minutes: number, silent: (id: string, t: number) => boolean = () => false) {
  const out: CityEvent[] = [];
  for (let m = 0; m < minutes; m += 5)
    ids.forEach((id, i) => {
      const t = T0 + m * MIN + i * 3000;
      if (silent(id, t)) return;
      out.push(msg(id, t));
      if (m % 10 === 0) out.push(msg(id, t, { value: 88, unit: '%', status: 'heartbeat' }));
    });
  return out;
}

/** Both stages as the framework runs them: events to the sensor rule, its signals to the feed rule, timers at the watermark. */
function run(
  envs: { sensor: RuleEnv; feed: RuleEnv },
  events: CityEvent[],
  opts: { roundTrip?: boolean; until?: number } = {},
) {
  const rules: Record<string, { rule: AnyRule; env: RuleEnv }> = {
    [SENSOR_RULE_ID]: { rule: sensorLifeRule, env: envs.sensor },
    [FEED_RULE_ID]: { rule: feedOfflineRule, env: envs.feed },
  };
  const states = new Map<string, { s: unknown; wakeAt?: number }>();
  const alerts: AlertDraft[] = [];
  const rt = (s: unknown) => (opts.roundTrip === false ? s : JSON.parse(JSON.stringify(s)));
  const save = (k: string, r: RuleStep<unknown>) => {
    alerts.push(...r.alerts);
    if (r.state === undefined) states.delete(k);
    else states.set(k, { s: r.state, ...(r.wakeAt !== undefined ? { wakeAt: r.wakeAt } : {}) });
    for (const sig of r.signals ?? []) deliver(sig);
  };
  const deliver = (sig: RuleSignal) => {
    const b = rules[sig.to]!;
    const k = `${sig.to}|${sig.key}`;
    const cur = states.get(k);
    const r = b.rule.signal!(cur ? rt(cur.s) : undefined, sig, b.env);
    save(k, r);
  };
  let wm = -Infinity;
  const wakeAll = () => {
    for (const [k, v] of [...states].sort((a, b) => (a[1].wakeAt ?? 0) - (b[1].wakeAt ?? 0)))
      if (v.wakeAt !== undefined && v.wakeAt <= wm) {
        const [id, key] = [k.slice(0, k.indexOf('|')), k.slice(k.indexOf('|') + 1)];
        const b = rules[id]!;
        save(k, b.rule.wake(rt(v.s), wm, b.env, key));
      }
  };
  for (const e of events) {
    wm = Math.max(wm, Date.parse(e.eventTime));
    wakeAll();
    const k = sensorLifeRule.key(e, envs.sensor);
    if (k !== null) {
      const cur = states.get(`${SENSOR_RULE_ID}|${k}`);
      save(`${SENSOR_RULE_ID}|${k}`, sensorLifeRule.step(cur ? (rt(cur.s) as never) : undefined, e, envs.sensor, k));
    }
  }
  for (let t = wm; opts.until !== undefined && t <= opts.until; t += MIN) {
    wm = t;
    wakeAll();
  }
  return { alerts, states };
}

let envs: { sensor: RuleEnv; feed: RuleEnv };
beforeAll(() => {
  const ctx = packContext(loadCityPack());
  envs = { sensor: ruleEnv(ctx, sensorLifeRule), feed: ruleEnv(ctx, feedOfflineRule) };
});

const GAUGES = Array.from({ length: 10 }, (_, i) => `wl-${i}`);

describe('feed_offline', () => {
  it('raises one alert for a feed whose sensors all fall silent, naming them, and clears when data comes back', () => {
    const from = T0 + 60 * MIN;
    const to = T0 + 95 * MIN;
    // another feed keeps the watermark moving while this one is silent, as the rest of the city does
    const ticker = Array.from({ length: 150 }, (_, m) =>
      msg('ts-900', T0 + m * MIN + 500, { kind: 'traffic_speed', value: 40, unit: 'km/h', district: 'sh-jingan' }),
    );
    const events = [...fleet(GAUGES, 150, (_, t) => t >= from && t < to), ...ticker].sort(
      (a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime),
    );
    const { alerts } = run(envs, events);
    expect(alerts.filter((a) => a.state === 'raised')).toHaveLength(1);
    expect(alerts.filter((a) => a.state === 'cleared')).toHaveLength(1);
    expect(alerts.every((a) => a.severity !== 'info')).toBe(true); // no single-sensor alerts
    const raised = alerts.find((a) => a.state === 'raised')!;
    expect(raised.detectedAt - from).toBeLessThanOrEqual(15 * MIN);
    expect(raised.detectedAt - from).toBeGreaterThanOrEqual(5 * MIN);
    expect(raised.place.districtId).toBe('sh-putuo');
    expect(raised.categoryCode).toBe('P.01.10');
    expect(raised.summary.en).toMatch(/Feed offline: sim\.sensors water_level in sh-putuo/);
    expect(raised.summary.zh).toMatch(/数据源中断/);
    const last = alerts.filter((a) => a.state !== 'cleared').at(-1)!;
    expect(last.subjects).toEqual(GAUGES);
    expect(last.metrics!.silent).toBe(10);
    const cleared = alerts.find((a) => a.state === 'cleared')!;
    expect(cleared.detectedAt).toBeGreaterThanOrEqual(to);
    expect(cleared.detectedAt).toBeLessThan(to + 5 * MIN);
  });

  it('gives a sensor silent on its own its own alert, and none to one that said it was going offline', () => {
    const events = fleet(
      GAUGES,
      150,
      (id, t) => (id === 'wl-3' || id === 'wl-7') && t >= T0 + 40 * MIN && t < T0 + 120 * MIN,
    );
    // wl-7 says so first
    events.push(msg('wl-7', T0 + 39 * MIN, { value: 0, status: 'offline' }));
    events.sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
    const { alerts } = run(envs, events);
    expect(alerts.map((a) => [a.state, a.subjects, a.severity])).toEqual([
      ['raised', ['wl-3'], 'info'],
      ['cleared', ['wl-3'], 'info'],
    ]);
  });

  it('takes a sensor reading zero for alive', () => {
    const events = fleet(GAUGES, 120).map((e) =>
      e.type === 'sensor.reading' && e.payload.unit === 'cm'
        ? ({ ...e, payload: { ...e.payload, value: 0 } } as CityEvent)
        : e,
    );
    expect(run(envs, events, { until: T0 + 125 * MIN }).alerts).toHaveLength(0);
  });

  it('learns each sensor its own interval: a once-a-minute detector is missed within minutes, a 10-minute one is not yet', () => {
    const events: CityEvent[] = [];
    for (let m = 0; m < 60; m++) {
      for (let j = 0; j < 3; j++)
        events.push(msg(`ts-${j}`, T0 + m * MIN + j * 1000, { kind: 'traffic_speed', value: 40, unit: 'km/h' }));
      if (m % 10 === 0)
        for (let j = 0; j < 3; j++)
          events.push(msg(`hb-${j}`, T0 + m * MIN + 5000 + j, { status: 'heartbeat', value: 90, unit: '%' }));
    }
    // everything stops at minute 60: the traffic feed is overdue at ~62.5, the heartbeat-only one at ~75
    const { alerts } = run(envs, events, { until: T0 + 66 * MIN });
    expect(alerts.map((a) => a.summary.en)).toEqual([expect.stringMatching(/traffic_speed/)]);
    expect(alerts[0]!.detectedAt).toBeLessThanOrEqual(T0 + 64 * MIN);
  });

  it('keeps a few numbers per sensor, ignores late messages, and gives the same alerts through JSON', () => {
    const events = fleet(GAUGES, 150, (_, t) => t >= T0 + 60 * MIN && t < T0 + 95 * MIN);
    const late = { ...events[40]!, id: 'late' };
    const withLate = [...events.slice(0, 300), late, ...events.slice(300)];
    const a = run(envs, withLate, { roundTrip: false });
    const b = run(envs, withLate);
    expect(b.alerts).toEqual(a.alerts);
    expect(a.alerts.filter((x) => x.state === 'raised')).toHaveLength(1);
    const one = [...b.states].find(([k]) => k.startsWith(SENSOR_RULE_ID))![1].s;
    expect(JSON.stringify(one).length).toBeLessThan(160);
  });

  it('does not call a sensor silent when it goes back from a fast rhythm to its usual one, nor a feed down for announced drop-offs', () => {
    const events: CityEvent[] = [];
    for (let m = 0; m < 120; m += m >= 30 && m < 90 ? 1 : 5)
      GAUGES.slice(0, 4).forEach((id, i) =>
        events.push(msg(id, T0 + m * MIN + i * 1000, { value: m >= 30 && m < 90 ? 20 : 1 })),
      );
    expect(run(envs, events).alerts).toHaveLength(0);
    // three sensors of one feed drop off over an hour, each saying so first
    const drops = fleet(
      GAUGES,
      150,
      (id, t) => ['wl-1', 'wl-4', 'wl-8'].includes(id) && t >= T0 + (Number(id.slice(3)) * 5 + 20) * MIN,
    );
    for (const id of ['wl-1', 'wl-4', 'wl-8'])
      drops.push(msg(id, T0 + (Number(id.slice(3)) * 5 + 19) * MIN, { value: 0, status: 'offline' }));
    drops.sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
    expect(run(envs, drops).alerts).toHaveLength(0);
  });
});
