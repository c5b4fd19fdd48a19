import { loadCityPack } from '@cityops/city';
import type { CityEvent } from '@cityops/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { packContext, ruleEnv } from '../env.js';
import { fold } from '../test/fold-rule.js';
import type { RuleEnv } from './rule.js';
import {
  hhmm,
  inDailyWindow,
  localMinuteOfDay,
  manholeTiltRule,
  nextLocal,
  noiseNightRule,
  sensorReading,
} from './thresholds.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const WHERE = { lon: 121.45, lat: 31.23, districtId: 'sh-jingan', streetId: 'sh-jingan-s02', gridId: 'g7' };

let seq = 0;
function reading(
  sensorId: string,
  kind: 'manhole_cover' | 'noise' | 'water_level',
  t: number,
  value: number,
  unit: string,
  status: 'ok' | 'alarm' | 'offline' | 'heartbeat' = 'ok',
): CityEvent {
  return {
    v: 1,
    id: `e${++seq}`,
    source: 'sim.sensors',
    type: 'sensor.reading',
    eventTime: new Date(t).toISOString(),
    location: WHERE,
    category: { kind: 'part', code: kind === 'noise' ? 'P.03.06' : 'P.01.03' },
    payload: { sensorId, kind, value, unit, status },
  };
}

let tiltEnv: RuleEnv;
let noiseEnv: RuleEnv;
beforeAll(() => {
  const ctx = packContext(loadCityPack());
  tiltEnv = ruleEnv(ctx, manholeTiltRule);
  noiseEnv = ruleEnv(ctx, noiseNightRule);
});

describe('helpers', () => {
  it('read local time at a fixed offset, wrap daily windows and find the next local time', () => {
    const t = at('2025-06-02T23:30:00+08:00');
    expect(localMinuteOfDay(t, 480)).toBe(23 * 60 + 30);
    expect(inDailyWindow(23 * 60, hhmm('22:00'), hhmm('06:00'))).toBe(true);
    expect(inDailyWindow(5 * 60, hhmm('22:00'), hhmm('06:00'))).toBe(true);
    expect(inDailyWindow(12 * 60, hhmm('22:00'), hhmm('06:00'))).toBe(false);
    expect(nextLocal(t, hhmm('06:00'), 480)).toBe(at('2025-06-03T06:00:00+08:00'));
    expect(() => hhmm('25:00')).toThrow(/HH:MM/);
  });

  it('take a reading only in a known unit, never a battery heartbeat or an offline notice', () => {
    expect(sensorReading(reading('wl', 'water_level', 0, 120, 'mm'), 'water_level', { cm: 1, mm: 0.1 })!.value).toBe(
      12,
    );
    expect(sensorReading(reading('wl', 'water_level', 0, 87, '%', 'heartbeat'), 'water_level', { cm: 1 })).toBeNull();
    expect(sensorReading(reading('wl', 'water_level', 0, 0, 'cm', 'offline'), 'water_level', { cm: 1 })).toBeNull();
    expect(sensorReading(reading('wl', 'water_level', 0, 3, 'cm'), 'noise', { cm: 1 })).toBeNull();
  });
});

describe('manhole_tilt', () => {
  const T = at('2025-06-02T10:00:00+08:00');
  const series = (id: string, values: number[]) =>
    values.map((v, i) => reading(id, 'manhole_cover', T + i * 5 * MIN, v, 'deg'));

  it('raises after two readings above the limit, escalates on a deep tilt, clears when back in place', () => {
    const { alerts, states } = fold(manholeTiltRule, tiltEnv, series('mh-1', [0.3, 18, 19, 35, 20, 0.4, 0.2]));
    expect(alerts.map((a) => [a.state, a.severity])).toEqual([
      ['raised', 'major'],
      ['updated', 'critical'],
      ['cleared', 'critical'],
    ]);
    expect(alerts[0]!.firstSignalAt).toBe(T + 5 * MIN);
    expect(alerts[0]!.detectedAt).toBe(T + 10 * MIN);
    expect(alerts[0]!.evidence).toHaveLength(2);
    expect(alerts[0]!.categoryCode).toBe('E.05.02');
    expect(alerts[0]!.subjects).toEqual(['mh-1']);
    expect(alerts[0]!.summary.zh).toMatch(/井盖/);
    expect(states.size).toBe(0);
  });

  it('does not fire on a one-reading knock, and keeps no state for a cover at rest', () => {
    const { alerts, states } = fold(manholeTiltRule, tiltEnv, series('mh-2', [0.2, 45, 0.3, 0.1, 0.5]));
    expect(alerts).toHaveLength(0);
    expect(states.size).toBe(0);
  });

  it('ignores a late reading older than the newest, and gives the same alerts through JSON', () => {
    const ev = series('mh-3', [0.2, 18, 19, 19, 0.1]);
    const late = { ...ev[1]!, id: 'late', payload: { ...ev[1]!.payload, value: 40 } } as CityEvent;
    const withLate = [...ev.slice(0, 3), late, ...ev.slice(3)];
    const a = fold(manholeTiltRule, tiltEnv, withLate, { roundTrip: false }).alerts;
    const b = fold(manholeTiltRule, tiltEnv, withLate).alerts;
    expect(b).toEqual(a);
    expect(a.map((x) => x.severity)).toEqual(['major', 'major']); // the late 40° does not count
  });
});

describe('noise_night', () => {
  /** a monitor reading every 2 min from `from` for `minutes` */
  const night = (id: string, fromIso: string, minutes: number, level: (m: number) => number) =>
    Array.from({ length: Math.floor(minutes / 2) }, (_, i) =>
      reading(id, 'noise', at(fromIso) + i * 2 * MIN, level(i * 2), 'dB'),
    );

  it('raises when the running Leq stays over 55 dB(A) at night for the window, clears when it falls back', () => {
    const events = night('ns-1', '2025-06-02T23:00:00+08:00', 120, (m) => (m >= 10 && m < 70 ? 64 : 45));
    const { alerts } = fold(noiseNightRule, noiseEnv, events);
    expect(alerts.map((a) => a.state)).toEqual(['raised', 'cleared']);
    const raised = alerts[0]!;
    expect(raised.detectedAt).toBeGreaterThanOrEqual(at('2025-06-02T23:30:00+08:00'));
    expect(raised.metrics!.leqDb).toBeGreaterThan(55);
    expect(raised.categoryCode).toBe('E.07.01');
    expect(raised.summary.en).toMatch(/Night noise/);
  });

  it('does not fire by day however loud, nor on a short burst at night', () => {
    const day = night('ns-2', '2025-06-02T14:00:00+08:00', 120, () => 75);
    expect(fold(noiseNightRule, noiseEnv, day).alerts).toHaveLength(0);
    const burst = night('ns-3', '2025-06-02T23:00:00+08:00', 90, (m) => (m >= 40 && m < 46 ? 85 : 44));
    expect(fold(noiseNightRule, noiseEnv, burst).alerts).toHaveLength(0);
  });

  it('closes an open alert at dawn by timer when the monitor goes quiet, and through JSON the same', () => {
    const events = night('ns-4', '2025-06-03T04:00:00+08:00', 100, () => 62);
    const until = at('2025-06-03T06:30:00+08:00');
    const a = fold(noiseNightRule, noiseEnv, events, { roundTrip: false, until });
    const b = fold(noiseNightRule, noiseEnv, events, { until });
    expect(b.alerts).toEqual(a.alerts);
    expect(a.alerts.map((x) => x.state)).toEqual(['raised', 'cleared']);
    expect(a.alerts[1]!.detectedAt).toBe(at('2025-06-03T06:00:00+08:00'));
    expect(a.states.size).toBe(0);
  });
});
