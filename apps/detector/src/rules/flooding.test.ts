import { loadCityPack } from '@cityops/city';
import type { CityEvent } from '@cityops/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { packContext, ruleEnv } from '../env.js';
import { floodingRule, type FloodState } from './flooding.js';
import { fold } from '../test/fold-rule.js';
import type { RuleEnv } from './rule.js';

const T0 = Date.parse('2025-06-02T08:00:00+08:00');
const MIN = 60_000;
const BASE = { lon: 121.45, lat: 31.23 };
const KX = 111_320 * Math.cos((BASE.lat * Math.PI) / 180);
/** a point `dx`, `dy` metres from BASE */
const at = (dx: number, dy = 0) => ({ lon: BASE.lon + dx / KX, lat: BASE.lat + dy / 111_320 });

let seq = 0;
function gauge(
  sensorId: string,
  where: { lon: number; lat: number },
  t: number,
  value: number,
  district = 'sh-putuo',
): CityEvent {
  return {
    v: 1,
    id: `e${++seq}`,
    source: 'sim.sensors',
    type: 'sensor.reading',
    eventTime: new Date(t).toISOString(),
    location: { ...where, districtId: district, streetId: 'sh-putuo-s01', gridId: 'g1' },
    category: { kind: 'part', code: 'P.01.10' },
    payload: { sensorId, kind: 'water_level', value, unit: 'cm', status: 'ok' },
  };
}

/** A flood: gauges at `points` report every minute, rising linearly to `peaks` over `riseMin`, holding, receding to 0. */
function flood(
  points: Array<{ lon: number; lat: number }>,
  peaks: number[],
  o: { start?: number; riseMin?: number; holdMin?: number; fallMin?: number } = {},
) {
  const { start = T0, riseMin = 20, holdMin = 20, fallMin = 20 } = o;
  const events: CityEvent[] = [];
  for (let m = 0; m <= riseMin + holdMin + fallMin + 5; m++) {
    points.forEach((p, i) => {
      const peak = peaks[i]!;
      const lvl =
        m < riseMin
          ? (peak * m) / riseMin
          : m < riseMin + holdMin
            ? peak
            : Math.max(0, peak * (1 - (m - riseMin - holdMin) / fallMin));
      events.push(gauge(`wl-${i}`, p, start + m * MIN + i * 1000, Math.round((1 + lvl) * 10) / 10));
    });
  }
  return events;
}

let env: RuleEnv;
beforeAll(() => {
  env = ruleEnv(packContext(loadCityPack()), floodingRule);
});

describe('flooding', () => {
  it('raises one alert when two neighbouring gauges rise, updates as a third joins and the peak deepens, clears when all recede', () => {
    const events = flood([at(0), at(800), at(1400, 300)], [30, 22, 12]);
    const { alerts, states } = fold(floodingRule, env, events);
    const raised = alerts.filter((a) => a.state === 'raised');
    const cleared = alerts.filter((a) => a.state === 'cleared');
    expect(raised).toHaveLength(1);
    expect(cleared).toHaveLength(1);
    expect(new Set(alerts.map((a) => a.incidentKey)).size).toBe(1);
    expect(raised[0]!.subjects).toEqual(expect.arrayContaining(['wl-0', 'wl-1']));
    expect(raised[0]!.categoryCode).toBe('E.05.01');
    expect(raised[0]!.place.districtId).toBe('sh-putuo');
    expect(raised[0]!.summary.zh).toMatch(/道路积水/);
    expect(raised[0]!.summary.en).toMatch(/flooding/i);
    // the deepest gauge reaches 30 cm: major; the third gauge (12 cm, rising) joins on the way
    expect(alerts.some((a) => a.state === 'updated' && a.severity === 'major')).toBe(true);
    expect(alerts.some((a) => a.state === 'updated' && (a.subjects ?? []).includes('wl-2'))).toBe(true);
    expect(cleared[0]!.detectedAt).toBeGreaterThan(raised[0]!.detectedAt);
    expect(states.size).toBe(0); // everything dry again: nothing kept
  });

  it('fires on the rise before the gauges reach the warning level', () => {
    const events = flood([at(0), at(600)], [30, 30], { riseMin: 30 });
    const { alerts } = fold(floodingRule, env, events);
    const raised = alerts.find((a) => a.state === 'raised')!;
    expect(raised).toBeDefined();
    expect(raised.metrics!.peakCm).toBeLessThan(15);
    expect(raised.detectedAt - T0).toBeLessThan(15 * MIN);
  });

  it('does not fire on a one-reading spike of two gauges, nor on one gauge that steps to a level and sticks there (a fault)', () => {
    const spikes: CityEvent[] = [];
    for (let m = 0; m < 30; m++) {
      const spike = m === 10 ? 35 : 1.2;
      spikes.push(
        gauge('wl-a', at(0), T0 + m * 5 * MIN, spike),
        gauge('wl-b', at(500), T0 + m * 5 * MIN + 1000, spike),
      );
    }
    expect(fold(floodingRule, env, spikes).alerts).toHaveLength(0);

    // a lone gauge jumping from its normal level to 30 cm in one reading and staying: no rise was seen
    const stuck: CityEvent[] = [];
    for (let m = 0; m < 40; m++) stuck.push(gauge('wl-s', at(0), T0 + m * MIN, m < 5 ? 1.1 : 30));
    expect(fold(floodingRule, env, stuck).alerts).toHaveLength(0);
  });

  it('one gauge rising through the levels and staying wet is a flood of its own, once wet for singleReadings readings', () => {
    const one = flood([at(0)], [40]);
    const { alerts } = fold(floodingRule, env, one);
    const raised = alerts.filter((a) => a.state === 'raised');
    expect(raised).toHaveLength(1);
    expect(raised[0]!.subjects).toEqual(['wl-0']);
    expect(alerts.filter((a) => a.state === 'cleared')).toHaveLength(1);
    // wet from ~15 cm (7.5 of the 20 rise minutes, or earlier on the rise), then six readings more
    expect(raised[0]!.detectedAt - T0).toBeGreaterThanOrEqual(6 * MIN);
    expect(raised[0]!.detectedAt - T0).toBeLessThan(16 * MIN);

    // two gauges 5 km apart, both flooding: two incidents, not one
    const far = flood([at(0), at(5000)], [30, 30]);
    expect(new Set(fold(floodingRule, env, far).alerts.map((a) => a.incidentKey)).size).toBe(2);

    // a lone gauge wet for fewer readings than that: nothing
    const brief = flood([at(0)], [18], { riseMin: 10, holdMin: 1, fallMin: 2 });
    expect(fold(floodingRule, env, brief).alerts).toHaveLength(0);
  });

  it('a second flood beginning near an open one, long after that one began, is an incident of its own', () => {
    // the first flood holds for 90 minutes; 60 minutes after it began, two gauges 1 km away start rising
    const first = flood([at(0), at(700)], [30, 28], { riseMin: 20, holdMin: 90, fallMin: 20 });
    const second = flood([at(1000, 500), at(1400, 900)], [26, 24], { start: T0 + 60 * MIN }).map((e) => ({
      ...e,
      payload: {
        ...(e.payload as { sensorId: string }),
        sensorId: `b-${(e.payload as { sensorId: string }).sensorId}`,
      },
    })) as CityEvent[];
    const events = [...first, ...second].sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
    const raised = fold(floodingRule, env, events).alerts.filter((a) => a.state === 'raised');
    expect(raised).toHaveLength(2);
    expect(raised[1]!.subjects).toEqual(expect.arrayContaining(['b-wl-0', 'b-wl-1']));
    expect(raised[1]!.detectedAt).toBeGreaterThan(T0 + 60 * MIN);
  });

  it('keeps no state for gauges at their normal level', () => {
    const events: CityEvent[] = [];
    for (let m = 0; m < 60; m++)
      for (let i = 0; i < 20; i++)
        events.push(gauge(`wl-${i}`, at(i * 300), T0 + m * 5 * MIN + i, 1 + ((m * 7 + i * 3) % 10) / 5));
    const { alerts, states } = fold(floodingRule, env, events);
    expect(alerts).toHaveLength(0);
    expect(states.size).toBe(0);
  });

  it('gives the same alerts with late and out-of-order readings', () => {
    const events = flood([at(0), at(800)], [28, 20]);
    const ordered = fold(floodingRule, env, events).alerts;
    // swap neighbours in pairs (the framework's merge of partitions can do that) and repeat some as late copies
    const shuffled = [...events];
    for (let i = 0; i + 1 < shuffled.length; i += 3) [shuffled[i], shuffled[i + 1]] = [shuffled[i + 1]!, shuffled[i]!];
    for (let i = 10; i < shuffled.length; i += 17) shuffled.splice(i, 0, { ...shuffled[i - 8]!, id: `late-${i}` });
    const messy = fold(floodingRule, env, shuffled).alerts;
    expect(messy.filter((a) => a.state === 'raised')).toHaveLength(1);
    expect(messy.filter((a) => a.state === 'cleared')).toHaveLength(1);
    expect(Math.abs(messy[0]!.detectedAt - ordered[0]!.detectedAt)).toBeLessThanOrEqual(2 * MIN);
  });

  it('survives a restart: state through JSON between every step gives the same alerts', () => {
    const events = flood([at(0), at(800), at(1200)], [35, 25, 18]);
    const a = fold(floodingRule, env, events, { roundTrip: false }).alerts;
    const b = fold(floodingRule, env, events, { roundTrip: true }).alerts;
    expect(b).toEqual(a);
    expect(a.length).toBeGreaterThan(1);
  });

  it('clears by timer when the gauges of a flood fall silent', () => {
    const events = flood([at(0), at(700)], [25, 25], { riseMin: 15, holdMin: 60 }).filter(
      (e) => Date.parse(e.eventTime) < T0 + 30 * MIN,
    );
    const { alerts, states } = fold<FloodState>(floodingRule, env, events, { until: T0 + 30 * MIN + 31 * MIN });
    expect(alerts.filter((a) => a.state !== 'updated').map((a) => a.state)).toEqual(['raised', 'cleared']);
    // the clear comes from the timer, not from a reading: no event evidence, after the stale time
    const cleared = alerts.at(-1)!;
    expect(cleared.state).toBe('cleared');
    expect(cleared.evidence).toEqual([]);
    expect(cleared.detectedAt).toBeGreaterThanOrEqual(T0 + 29 * MIN + 30 * MIN);
    expect(states.size).toBe(0);
  });

  it('keeps floods in two districts apart', () => {
    const a = flood([at(0), at(500)], [25, 25]);
    const b = flood([at(0), at(500)], [25, 25]).map((e) => ({
      ...e,
      id: `${e.id}b`,
      location: { ...e.location, districtId: 'sh-jingan' },
    }));
    const all = [...a, ...b].sort((x, y) => Date.parse(x.eventTime) - Date.parse(y.eventTime));
    const { alerts } = fold(floodingRule, env, all);
    expect(
      alerts
        .filter((x) => x.state === 'raised')
        .map((x) => x.place.districtId)
        .sort(),
    ).toEqual(['sh-jingan', 'sh-putuo']);
  });
});
