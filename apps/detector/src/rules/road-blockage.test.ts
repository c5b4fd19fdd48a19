import { parseAlertEvent } from '@cityops/schema';
import { describe, expect, it } from 'vitest';
import {
  MIN,
  T0,
  detect,
  onRoad,
  pack,
  ping,
  roadWithZone,
  shift,
  speedReading,
  ticket,
  vanTrack,
} from '../test/fixtures.js';
import { roadBlockage, roadBlockageVehicle } from './road-blockage.js';

const rules = [roadBlockageVehicle, roadBlockage];
const { road, zone } = roadWithZone();
// a quarter along the segment: on the carriageway, well away from the loading zone at its middle
const spot = onRoad(road, 0.2);

/** pings of a far-away van every 30 s: only to move event time on */
function clock(from: number, to: number) {
  const far = onRoad(
    pack.roads.find((r) => r.id !== road.id && r.districtId !== road.districtId)!,
    0.5,
  );
  const out = [];
  for (let t = from, i = 0; t <= to; t += 30_000, i++) out.push(ping('clock-van', t, shift(far, 200 * i, 0)));
  return out;
}

describe('road_blockage', () => {
  it('raises one alert for a van standing 14 min on the carriageway, with noise, drops, outliers and a gap; clears when it leaves', async () => {
    const arrive = T0 + 5 * MIN;
    const depart = arrive + 14 * MIN;
    const pings = vanTrack('SF-00001', spot, arrive, depart, {
      sigmaM: 12,
      drop: 0.15,
      outliers: { 8: 80, 15: -70 },
    }).filter((e) => {
      // a gap of three minutes in the middle (tracker lost)
      const t = Date.parse(e.eventTime);
      return t < arrive + 6 * MIN || t > arrive + 9 * MIN;
    });
    const alerts = await detect([...pings, ...clock(T0, depart + 10 * MIN)], { rules });
    expect(alerts.map((a) => a.state)).toEqual(['raised', 'cleared']);
    const [raised, cleared] = alerts;
    for (const a of alerts) expect(parseAlertEvent(a).ok).toBe(true);
    expect(raised!.alertId).toBe(cleared!.alertId);
    expect([raised!.seq, cleared!.seq]).toEqual([1, 2]);
    expect(raised!.place.roadSegmentId).toBe(road.id);
    expect(raised!.type).toBe('road_blockage');
    expect(raised!.categoryCode).toBe('E.06.02');
    expect(raised!.subjects).toEqual(['SF-00001']);
    expect(raised!.evidence.length).toBeGreaterThan(0);
    expect(raised!.departments.lead).toBeDefined();
    // detected at most 60 s after the threshold was crossed, never before
    const detected = Date.parse(raised!.detectedAt);
    expect(detected).toBeGreaterThanOrEqual(arrive + 10 * MIN - 30_000);
    expect(detected).toBeLessThanOrEqual(arrive + 11 * MIN);
    // first signal is when the van arrived (within a ping or two)
    expect(Math.abs(Date.parse(raised!.firstSignalAt) - arrive)).toBeLessThanOrEqual(60_000);
    expect(Date.parse(cleared!.detectedAt)).toBeGreaterThanOrEqual(depart - 60_000);
    expect(Date.parse(cleared!.detectedAt)).toBeLessThanOrEqual(depart + 5 * MIN);
  });

  it('a short stop on the carriageway (7 min) raises nothing', async () => {
    const arrive = T0 + 5 * MIN;
    const alerts = await detect(vanTrack('SF-00002', spot, arrive, arrive + 7 * MIN, { sigmaM: 10 }), { rules });
    expect(alerts).toEqual([]);
  });

  it('a 25-minute legal stop in a loading zone raises nothing', async () => {
    const arrive = T0 + 5 * MIN;
    const alerts = await detect(vanTrack('SF-00003', zone, arrive, arrive + 25 * MIN, { sigmaM: 4 }), { rules });
    expect(alerts).toEqual([]);
  });

  it('off-road parking 40 m from the road for 40 minutes raises nothing', async () => {
    const arrive = T0 + 5 * MIN;
    const parked = onRoad(road, 0.3, 40);
    expect(pack.roads.length).toBeGreaterThan(0);
    const alerts = await detect(vanTrack('SF-00004', parked, arrive, arrive + 40 * MIN, { sigmaM: 8 }), { rules });
    expect(alerts).toEqual([]);
  });

  it('the same 14 minutes on the carriageway with a bigger period and no noise still raises (guard of the previous three)', async () => {
    const arrive = T0 + 5 * MIN;
    const pings = vanTrack('SF-00005', spot, arrive, arrive + 14 * MIN, { sigmaM: 0, periodMs: 60_000 });
    const alerts = await detect([...pings, ...clock(T0, arrive + 30 * MIN)], { rules });
    expect(alerts.map((a) => a.state)).toEqual(['raised', 'cleared']);
  });

  it('two vans on one segment are one alert: raised, updated when the second joins, cleared after the last leaves', async () => {
    const a1 = T0 + 5 * MIN;
    const a2 = a1 + 2 * MIN;
    const d1 = a1 + 15 * MIN;
    const d2 = a2 + 20 * MIN;
    const events = [
      ...vanTrack('SF-00010', spot, a1, d1, { seed: 1 }),
      ...vanTrack('ZTO-00011', shift(spot, 15, 5), a2, d2, { seed: 2 }),
    ];
    const alerts = await detect([...events, ...clock(T0, d2 + 5 * MIN)], { rules });
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(1);
    expect(alerts.filter((a) => a.state === 'raised')).toHaveLength(1);
    expect(alerts.map((a) => a.seq)).toEqual(alerts.map((_, i) => i + 1));
    const two = alerts.find((a) => a.metrics.vans === 2);
    expect(two?.state).toBe('updated');
    expect(['major', 'critical']).toContain(two?.severity);
    expect(two?.subjects.sort()).toEqual(['SF-00010', 'ZTO-00011']);
    const cleared = alerts.at(-1)!;
    expect(cleared.state).toBe('cleared');
    expect(Date.parse(cleared.detectedAt)).toBeGreaterThanOrEqual(d2 - 60_000);
  });

  it('a speed drop on the segment and a complaint nearby raise the severity and are evidence', async () => {
    const arrive = T0 + 5 * MIN;
    const depart = arrive + 16 * MIN;
    const mid = onRoad(road, 0.5);
    const speeds = [];
    for (let t = T0; t <= depart; t += MIN)
      speeds.push(
        speedReading(
          'ts-1',
          road.id,
          t,
          mid,
          t > arrive + 2 * MIN ? 0.2 * road.speedLimitKmh : 0.9 * road.speedLimitKmh,
        ),
      );
    const call = ticket('t-42', arrive + 11 * MIN, shift(spot, 100, 120));
    const alerts = await detect(
      [...vanTrack('SF-00020', spot, arrive, depart), ...speeds, call, ...clock(T0, depart + 5 * MIN)],
      {
        rules,
      },
    );
    const raised = alerts.find((a) => a.state === 'raised')!;
    expect(raised.severity).toBe('major');
    expect(raised.metrics.speedShare).toBeLessThan(0.4);
    expect(raised.evidence.some((id) => id.startsWith('ts-ts-1-'))).toBe(true);
    const afterCall = alerts.find((a) => a.evidence.includes('t-42'));
    expect(afterCall?.state).toBe('updated');
    expect(afterCall?.severity).toBe('critical');
    expect(alerts.at(-1)!.state).toBe('cleared');
    expect(alerts.filter((a) => a.state === 'raised')).toHaveLength(1);
  });

  it('without a van, a speed drop and complaints raise nothing (congestion is not a blockage)', async () => {
    const mid = onRoad(road, 0.5);
    const events = [];
    for (let t = T0; t <= T0 + 30 * MIN; t += MIN)
      events.push(speedReading('ts-2', road.id, t, mid, 0.15 * road.speedLimitKmh));
    events.push(ticket('t-43', T0 + 10 * MIN, spot));
    expect(await detect(events, { rules })).toEqual([]);
  });

  it('a van that falls silent mid-dwell is cleared after maxGapMs of event time', async () => {
    const arrive = T0 + 5 * MIN;
    const pings = vanTrack('SF-00030', spot, arrive, arrive + 30 * MIN).filter(
      (e) => Date.parse(e.eventTime) < arrive + 12 * MIN,
    );
    const alerts = await detect([...pings, ...clock(T0, T0 + 40 * MIN)], { rules });
    expect(alerts.map((a) => a.state)).toEqual(['raised', 'cleared']);
    const cleared = Date.parse(alerts[1]!.detectedAt);
    expect(cleared).toBeGreaterThan(arrive + 12 * MIN);
    expect(cleared).toBeLessThanOrEqual(arrive + 12 * MIN + 5 * MIN + MIN);
  });

  it('a van creeping along in congestion (3 km/h) does not dwell', async () => {
    const events = [];
    for (let i = 0; i < 40; i++) events.push(ping('SF-00040', T0 + i * 30_000, shift(spot, 25 * i, 0)));
    expect(await detect(events, { rules })).toEqual([]);
  });

  it('the dwell threshold comes from the settings', async () => {
    const arrive = T0 + 5 * MIN;
    const events = vanTrack('SF-00050', spot, arrive, arrive + 7 * MIN);
    expect(await detect(events, { rules })).toEqual([]);
    const alerts = await detect([...events, ...clock(T0, arrive + 20 * MIN)], {
      rules,
      settings: { road_blockage: { dwellThresholdMs: 5 * MIN } },
    });
    expect(alerts.map((a) => a.state)).toEqual(['raised', 'cleared']);
  });
});
