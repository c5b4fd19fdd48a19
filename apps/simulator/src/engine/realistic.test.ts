import { parseCityEvent } from '@cityops/schema';
import { describe, expect, it } from 'vitest';
import { liveFeeds } from '../live.js';
import { parseScenarioOptions } from '../options.js';
import { defaultCity, ms, runSmall, type SimEvent } from '../test/fixture.js';
import { MINUTE, hourOfDay, lightsOn } from './clock.js';
import { BLOCKAGE_DWELL_MS } from './delivery.js';
import { DECOY_TYPES, type DecoyRecord } from './truth.js';
import { metres } from './world.js';

// two hours across dusk (lights on at 18:30 Shanghai time), many incidents and decoys
const knobs = {
  seed: 21,
  hours: 2,
  start: '2025-06-02T17:40:00+08:00',
  sensors: 3000,
  vehicles: 200,
  ticketsPerHour: 600,
  incidentsPerHour: 10,
  decoysPerHour: 24,
  feeds: 'realistic' as const,
};
const run = runSmall(knobs);
const decoys = run.scenario.decoys();
const vehicles = run.events.filter((e) => e.type === 'delivery.vehicle');
const pingsOf = (id: string): SimEvent[] => vehicles.filter((e) => e.payload.vehicleId === id);
const distM = (e: SimEvent, p: { lon: number; lat: number }): number =>
  metres(e.location.lon, e.location.lat, p.lon, p.lat);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ofDecoy = (type: string): DecoyRecord[] => decoys.filter((d) => d.type === type);

describe('realistic feeds', () => {
  it('is the default, and clean feeds have no decoys unless asked', () => {
    expect(parseScenarioOptions({}).feeds).toBe('realistic');
    const clean = runSmall({ ...knobs, hours: 0.2, feeds: 'clean', decoysPerHour: undefined });
    expect(clean.scenario.decoys()).toEqual([]);
    expect(clean.events.some((e) => e.type === 'delivery.vehicle' && e.payload.state !== undefined)).toBe(true);
  });

  it('vans send positions only: no state, loading zone, parcels or segment; speed from some trackers only', () => {
    expect(vehicles.length).toBeGreaterThan(1000);
    for (const e of vehicles) {
      expect(Object.keys(e.payload).sort()).toEqual(
        e.payload.speedKmh === undefined ? ['company', 'vehicleId'] : ['company', 'speedKmh', 'vehicleId'],
      );
      expect(e.location.roadSegmentId).toBeUndefined();
      expect(e.category).toEqual({ kind: 'event', code: 'E.06' });
    }
    const withSpeed = vehicles.filter((e) => e.payload.speedKmh !== undefined).length / vehicles.length;
    expect(withSpeed).toBeGreaterThan(0.1);
    expect(withSpeed).toBeLessThan(0.7);
  });

  it('devices never flag their own alarm; every event passes the schema and lies inside the city', () => {
    const { index } = defaultCity();
    expect(run.events.filter((e) => e.payload.status === 'alarm')).toEqual([]);
    const bad = run.events.filter((e) => !parseCityEvent(e).ok || !index.locate(e.location.lon, e.location.lat).inside);
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('pings come every 15-60 s per tracker, with some lost', () => {
    const gaps: number[] = [];
    const perVan = new Map<string, number[]>();
    for (const e of vehicles) {
      const id = String(e.payload.vehicleId);
      const list = perVan.get(id) ?? [];
      list.push(ms(e.eventTime));
      perVan.set(id, list);
    }
    let lost = 0;
    let sent = 0;
    for (const times of perVan.values()) {
      if (times.length < 10) continue;
      const g = times.slice(1).map((t, i) => t - times[i]!);
      const period = median(g);
      expect(period).toBeGreaterThanOrEqual(0.85 * 15_000);
      expect(period).toBeLessThanOrEqual(1.15 * 60_000);
      // a gap of about k periods lost k-1 pings (gaps of a van off shift are longer: not counted)
      for (const x of g) if (x < 10 * period) lost += Math.max(0, Math.round(x / period) - 1);
      sent += times.length;
      gaps.push(...g);
    }
    expect(gaps.length).toBeGreaterThan(500);
    const lostShare = lost / (lost + sent);
    expect(lostShare).toBeGreaterThan(0.03);
    expect(lostShare).toBeLessThan(0.25);
  });

  it('a standing van is seen with GPS noise of a few to 30 m and rare outliers up to 100 m', () => {
    const errors: number[] = [];
    for (const r of run.truth.filter((x) => x.type === 'road_blockage')) {
      const first = (r.details.vehicleIds as string[])[0]!;
      // the first van stands at the place from the start for at least the threshold
      for (const e of pingsOf(first))
        if (ms(e.eventTime) >= ms(r.start) && ms(e.eventTime) < ms(r.start) + BLOCKAGE_DWELL_MS)
          errors.push(distM(e, r.place));
    }
    expect(errors.length).toBeGreaterThan(15);
    expect(median(errors)).toBeGreaterThan(2);
    expect(median(errors)).toBeLessThan(30);
    expect(Math.max(...errors)).toBeLessThanOrEqual(101);
  });

  it('blockages: the first van dwells on the carriageway beyond the threshold, crossed at thresholdCrossedAt', () => {
    const { index } = defaultCity();
    const records = run.truth.filter((x) => x.type === 'road_blockage' && !x.clipped);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(ms(r.details.thresholdCrossedAt as string)).toBe(ms(r.start) + BLOCKAGE_DWELL_MS);
      expect(index.inLoadingZone(r.place.lon, r.place.lat)).toBeNull();
      const first = (r.details.vehicleIds as string[])[0]!;
      const near = pingsOf(first).filter((e) => distM(e, r.place) < 110);
      expect(ms(near[near.length - 1]!.eventTime) - ms(r.start)).toBeGreaterThan(BLOCKAGE_DWELL_MS);
      for (const e of pingsOf(first)) expect(r.eventIds).toContain(e.id);
    }
  });

  it('light outages are recorded only while the lights are on', () => {
    const records = run.truth.filter((x) => x.type === 'light_outage');
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(lightsOn(hourOfDay(ms(r.start)))).toBe(true);
  });

  it('records every kind of decoy, none of whose events is an incident’s', () => {
    expect(new Set(decoys.map((d) => d.type))).toEqual(new Set(DECOY_TYPES));
    const tagged = new Set(run.truth.flatMap((r) => r.eventIds));
    const decoyVans = new Set(decoys.flatMap((d) => (d.details.vehicleIds as string[] | undefined) ?? []));
    for (const e of vehicles) if (decoyVans.has(String(e.payload.vehicleId))) expect(tagged.has(e.id)).toBe(false);
    for (const d of decoys) expect(ms(d.end)).toBeGreaterThan(ms(d.start));
  });

  it('legal loading stops stand in the zone beyond the threshold; short carriageway stops stay under it', () => {
    const { index } = defaultCity();
    const legal = ofDecoy('legal_loading_stop');
    // the fleet's own stops in a zone beyond the threshold are recorded too
    expect(legal.some((d) => d.details.routine === true)).toBe(true);
    for (const d of legal) {
      expect(index.inLoadingZone(d.place.lon, d.place.lat)).toBe(d.details.zoneId);
      if (d.details.routine === true) {
        if (!d.details.clipped) expect(ms(d.end) - ms(d.start)).toBeGreaterThan(BLOCKAGE_DWELL_MS);
        continue;
      }
      const van = (d.details.vehicleIds as string[])[0]!;
      const near = pingsOf(van).filter((e) => distM(e, d.place) < 110);
      if (!d.details.clipped)
        expect(ms(near[near.length - 1]!.eventTime) - ms(near[0]!.eventTime)).toBeGreaterThan(BLOCKAGE_DWELL_MS);
    }
    const shorts = ofDecoy('short_carriageway_stop');
    expect(shorts.length).toBeGreaterThan(0);
    for (const d of shorts) {
      expect(ms(d.end) - ms(d.start)).toBeLessThan(BLOCKAGE_DWELL_MS);
      expect(index.inLoadingZone(d.place.lon, d.place.lat)).toBeNull();
      for (const van of d.details.vehicleIds as string[]) {
        // pings at the stop (the approach and the leaving are on the same road, within ~85 m)
        const at = pingsOf(van).filter((e) => distM(e, d.place) < 8);
        if (at.length >= 2)
          expect(ms(at[at.length - 1]!.eventTime) - ms(at[0]!.eventTime)).toBeLessThan(BLOCKAGE_DWELL_MS);
      }
    }
  });

  it('vans parked off the road stand at least 60 m from every segment, for half an hour or more', () => {
    const { index } = defaultCity();
    const parked = ofDecoy('parked_off_road');
    expect(parked.length).toBeGreaterThan(0);
    for (const d of parked) {
      expect(index.nearestRoad(d.place.lon, d.place.lat, 60)).toBeNull();
      if (!d.details.clipped) expect(ms(d.end) - ms(d.start)).toBeGreaterThanOrEqual(30 * MINUTE);
    }
  });

  it('congestion slows a segment to 15-35% of its limit; a gauge spike stays on one gauge', () => {
    const congested = ofDecoy('congestion');
    expect(congested.length).toBeGreaterThan(0);
    let slow = 0;
    for (const d of congested) {
      const ids = new Set(d.details.trafficSensorIds as string[]);
      const during = run.events.filter(
        (e) =>
          ids.has(String(e.payload.sensorId)) &&
          e.payload.unit === 'km/h' &&
          ms(e.eventTime) >= ms(d.start) &&
          ms(e.eventTime) < ms(d.end),
      );
      for (const e of during)
        expect(e.payload.value as number).toBeLessThanOrEqual(0.36 * (d.details.speedLimitKmh as number));
      slow += during.length;
    }
    expect(slow).toBeGreaterThan(5);
    const spikes = ofDecoy('single_gauge_spike');
    expect(spikes.length).toBeGreaterThan(0);
    for (const d of spikes) {
      const id = (d.details.sensorIds as string[])[0]!;
      const readings = run.events.filter((e) => e.payload.sensorId === id && e.payload.unit === 'cm');
      const inside = readings.filter((e) => ms(e.eventTime) >= ms(d.start) && ms(e.eventTime) < ms(d.end));
      for (const e of inside) expect(e.payload.value as number).toBeGreaterThan(15);
      // outside the spike the gauge reads its ordinary level (unless a flood has it)
      const flooded = new Set(run.truth.flatMap((r) => r.eventIds));
      for (const e of readings.filter((x) => !inside.includes(x) && !flooded.has(x.id)))
        expect(e.payload.value as number).toBeLessThan(15);
    }
  });

  it('the hotline swing of each hour is the count of ordinary tickets of that street and category', () => {
    const { index } = defaultCity();
    const swings = ofDecoy('hotline_hourly_swing');
    expect(swings.length).toBeGreaterThan(0);
    const incidentTickets = new Set(run.truth.flatMap((r) => r.eventIds));
    for (const d of swings) {
      const n = run.events.filter(
        (e) =>
          e.type === 'hotline.ticket' &&
          e.payload.stage === 'received' &&
          e.category.code === d.details.category &&
          !incidentTickets.has(e.id) &&
          ms(e.eventTime) >= ms(d.start) &&
          ms(e.eventTime) < ms(d.end) &&
          (index.locate(e.location.lon, e.location.lat) as { streetId?: string }).streetId === d.details.streetId,
      ).length;
      expect(n).toBe(d.details.tickets);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(d.details.expectedPerHour as number).toBeGreaterThan(0);
    }
  });

  it('light_day_off covers exactly the daylight part of the scenario, and single lamp failures happen at night', () => {
    const days = ofDecoy('light_day_off');
    expect(days).toHaveLength(1);
    expect(days[0]!.start).toBe(new Date(run.scenario.startMs).toISOString());
    expect(lightsOn(hourOfDay(ms(days[0]!.end)))).toBe(true);
    expect(lightsOn(hourOfDay(ms(days[0]!.end) - MINUTE))).toBe(false);
    for (const d of ofDecoy('single_light_failure')) expect(lightsOn(hourOfDay(ms(d.start)))).toBe(true);
  });

  it('is deterministic: the same seed gives the same events, truth and decoys', () => {
    const small = { ...knobs, hours: 0.3 };
    const a = runSmall(small);
    const b = runSmall(small);
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    expect(JSON.stringify([b.truth, b.scenario.decoys()])).toBe(JSON.stringify([a.truth, a.scenario.decoys()]));
  });

  it('SIM_FEEDS selects the live feeds and a bad value names the variable', () => {
    expect(liveFeeds({})).toBe('realistic');
    expect(liveFeeds({ SIM_FEEDS: 'clean' })).toBe('clean');
    expect(() => liveFeeds({ SIM_FEEDS: 'fancy' })).toThrow(/SIM_FEEDS: must be realistic or clean/);
    expect(() => parseScenarioOptions({ feeds: 'fancy' })).toThrow(/--feeds: must be realistic or clean/);
  });
});
