import { describe, expect, it } from 'vitest';
import { EVENING, EventsHarness, MIN, NOON, sensor, ticket } from './test/harness.js';

describe('themes fold: sensors', () => {
  it('water: the highest latest level and the gauges above the alarm line, and the max goes down when the highest gauge falls', () => {
    const h = new EventsHarness();
    h.fold([
      sensor(NOON, 'wl-1', 'water_level', 12.4, {}, { unit: 'cm' }),
      sensor(NOON + 1000, 'wl-2', 'water_level', 31.7, {}, { unit: 'cm' }),
      sensor(NOON + 2000, 'wl-3', 'water_level', 8, { d: 'sh-b', st: 'sh-b-1' }, { unit: 'cm' }),
    ]);
    expect(h.values()).toMatchObject({ 'water.maxLevelCm': 31, 'water.gaugesAboveAlarm': 1 });
    expect(h.values('d:sh-b')).toMatchObject({ 'water.maxLevelCm': 8, 'water.gaugesAboveAlarm': 0 });
    h.fold([sensor(NOON + 5 * MIN, 'wl-2', 'water_level', 10.2, {}, { unit: 'cm' })]);
    expect(h.values()).toMatchObject({ 'water.maxLevelCm': 12, 'water.gaugesAboveAlarm': 0 });
    // no bin is left behind at 0
    expect([...h.gauges.keys()].filter((k) => k.startsWith('c|wl.b:')).sort()).toEqual([
      'c|wl.b:10',
      'c|wl.b:12',
      'c|wl.b:8',
    ]);
  });

  it('absent is not zero: an area without a gauge has no water figure; a gauge reading 0 reads 0', () => {
    const h = new EventsHarness();
    h.fold([
      sensor(NOON, 'wl-1', 'water_level', 0, {}, { unit: 'cm' }),
      sensor(NOON, 'pm-1', 'air_quality', 30, { d: 'sh-b', st: 'sh-b-1' }),
    ]);
    expect(h.values('d:sh-a')['water.maxLevelCm']).toBe(0);
    expect(h.values('d:sh-b')).not.toHaveProperty('water.maxLevelCm');
    expect(h.values('d:sh-b')).not.toHaveProperty('water.gaugesAboveAlarm');
    expect(h.values('d:sh-a')).not.toHaveProperty('environment.pm25Mean');
  });

  it('a latest value older than 15 min no longer speaks: the figure is absent and its gauges are gone', () => {
    const h = new EventsHarness();
    h.fold([sensor(NOON, 'pm-1', 'air_quality', 40), sensor(NOON, 'ns-1', 'noise', 50)]);
    h.fold([sensor(NOON + 14 * MIN, 'ns-1', 'noise', 52)]);
    expect(h.values()['environment.pm25Mean']).toBe(40);
    h.fold([sensor(NOON + 15 * MIN, 'ns-1', 'noise', 53)]);
    expect(h.values()).not.toHaveProperty('environment.pm25Mean');
    expect([...h.gauges.keys()].filter((k) => k.includes('pm.'))).toEqual([]);
  });

  it('traffic: speed index observed/limit by road class, congested below 40 % of the limit', () => {
    const h = new EventsHarness();
    h.fold([
      sensor(NOON, 'ts-1', 'traffic_speed', 30, { seg: 'r-art' }, { unit: 'km/h' }),
      sensor(NOON, 'ts-2', 'traffic_speed', 10, { seg: 'r-sec' }, { unit: 'km/h' }),
      sensor(NOON, 'ts-3', 'traffic_speed', 20, { seg: 'r-unknown' }, { unit: 'km/h' }),
    ]);
    expect(h.values()).toMatchObject({
      'traffic.speedIndex': 0.38,
      'traffic.congestedShare': 0.5,
      'traffic.speedIndex:arterial': 0.5,
      'traffic.congestedShare:arterial': 0,
      'traffic.speedIndex:secondary': 0.25,
      'traffic.congestedShare:secondary': 1,
    });
  });

  it('environment: PM2.5 and noise mean, max and share over the limit (noise 60 dB by day, 50 at night)', () => {
    const h = new EventsHarness();
    h.fold([
      sensor(NOON, 'pm-1', 'air_quality', 40),
      sensor(NOON, 'pm-2', 'air_quality', 80),
      sensor(NOON, 'pm-3', 'air_quality', 100.4),
      sensor(NOON, 'ns-1', 'noise', 55),
      sensor(NOON, 'ns-2', 'noise', 65.5),
    ]);
    expect(h.values()).toMatchObject({
      'environment.pm25Mean': 73, // 220.4 / 3 = 73.47 µg/m³, whole units on the screen
      'environment.pm25Max': 100,
      'environment.pm25OverShare': 0.67,
      'environment.noiseMean': 60, // 120.5 / 2 = 60.25 dB
      'environment.noiseMax': 65,
      'environment.noiseOverShare': 0.5,
    });
    const night = new EventsHarness();
    night.fold([sensor(EVENING + 3 * 3600_000, 'ns-1', 'noise', 55)]); // 23:00 in Shanghai
    expect(night.values()['environment.noiseOverShare']).toBe(1);
  });

  it('lighting: share of lights out, only after dark; absent by day', () => {
    const h = new EventsHarness();
    h.fold([
      sensor(EVENING, 'sl-1', 'street_light', 0, {}, { unit: 'W', status: 'heartbeat' }),
      sensor(EVENING, 'sl-2', 'street_light', 150, {}, { unit: 'W', status: 'heartbeat' }),
      sensor(EVENING, 'sl-3', 'street_light', 160, {}, { unit: 'W', status: 'heartbeat' }),
      sensor(EVENING, 'sl-4', 'street_light', 140, {}, { unit: 'W', status: 'heartbeat' }),
    ]);
    expect(h.values()['lighting.outShare']).toBe(0.25);
    const day = new EventsHarness();
    day.fold([sensor(NOON, 'sl-1', 'street_light', 0, {}, { unit: 'W', status: 'heartbeat' })]);
    expect(day.values()).not.toHaveProperty('lighting.outShare');
    expect(day.values()['devices.reportingShare:street_light']).toBe(1);
  });

  it('devices: a sensor seen before and silent for two of its intervals is not reporting (not zero, not gone)', () => {
    const h = new EventsHarness();
    h.fold([
      sensor(NOON, 'ts-1', 'traffic_speed', 30, { seg: 'r-art' }),
      sensor(NOON, 'ts-2', 'traffic_speed', 30, { seg: 'r-art' }),
      sensor(NOON, 'wl-1', 'water_level', 3),
    ]);
    expect(h.values()['devices.reportingShare']).toBe(1);
    // ts-2 keeps reporting every minute; ts-1 falls silent; the water gauge (5 min) is still within two intervals
    h.fold([sensor(NOON + MIN, 'ts-2', 'traffic_speed', 31, { seg: 'r-art' })]);
    h.fold([sensor(NOON + 2 * MIN, 'ts-2', 'traffic_speed', 32, { seg: 'r-art' })]);
    expect(h.values()).toMatchObject({
      'devices.reportingShare:traffic_speed': 0.5,
      'devices.reportingShare:water_level': 1,
      'devices.reportingShare': 0.67,
    });
    // a battery heartbeat (unit %) keeps a sensor reporting without being a reading of its value
    h.fold([sensor(NOON + 3 * MIN, 'ts-1', 'traffic_speed', 88, { seg: 'r-art' }, { unit: '%', status: 'heartbeat' })]);
    expect(h.values()['devices.reportingShare:traffic_speed']).toBe(1);
    expect(h.values()['traffic.speedIndex:arterial']).toBe(0.52); // (30 + 32) / 2 / 60 = 0.517, not 88
    // the platform's offline notice: not reporting at once
    h.fold([sensor(NOON + 4 * MIN, 'ts-2', 'traffic_speed', 0, { seg: 'r-art' }, { status: 'offline' })]);
    expect(h.values()['devices.reportingShare:traffic_speed']).toBe(0.5);
  });

  it('drops events beyond the allowed lateness and counts them, as the counting stage does', () => {
    const h = new EventsHarness();
    const out = h.fold([sensor(NOON, 'pm-1', 'air_quality', 40), sensor(NOON - 11 * MIN, 'pm-2', 'air_quality', 99)]);
    expect(out.dropped).toEqual({ E_EVT_TOO_LATE: 1 });
    expect(h.values()['environment.pm25Max']).toBe(40);
    expect(h.fold(['not json' as unknown]).dropped).toEqual({ E_EVT_SCHEMA: 1 });
  });
});

describe('themes fold: hotline counts', () => {
  it('received in 24 h, open and overdue per ticket, stages out of order and repeated', () => {
    const T = NOON;
    const h = new EventsHarness();
    h.fold([
      ticket(T + 8 * MIN, 'b', 'resolved'), // before its received stage (within the allowed lateness)
      ticket(T, 'a', 'received', 'E.05.01'), // emergency: respond within 30 min
      ticket(T, 'b', 'received'),
      ticket(T, 'b', 'received'), // a duplicate stage event
      ticket(T + 6 * MIN, 'b', 'responded'),
      ticket(T + 5 * MIN, 'c', 'received', 'E.01.01', { d: 'sh-b', st: 'sh-b-1' }),
    ]);
    expect(h.values()).toMatchObject({ 'hotline.received': 3, 'hotline.open': 2, 'hotline.overdue': 0 });
    h.fold([ticket(T + 31 * MIN, 'x', 'dispatched')]);
    expect(h.values()).toMatchObject({ 'hotline.received': 3, 'hotline.open': 2, 'hotline.overdue': 1 });
    expect(h.values('d:sh-b')).toMatchObject({ 'hotline.received': 1, 'hotline.open': 1, 'hotline.overdue': 0 });
    // an area without tickets reads 0 while the hotline feed is alive elsewhere
    expect(h.values('d:sh-zzz')).toMatchObject({ 'hotline.received': 0, 'hotline.open': 0 });
    h.fold([ticket(T + 40 * MIN, 'a', 'resolved')]);
    expect(h.values()).toMatchObject({ 'hotline.open': 1, 'hotline.overdue': 0 });
    // 24 h after receipt they leave the received count; c is still open, and overdue after 8 h
    h.fold([ticket(T + 24 * 60 * MIN + 5 * MIN, 'y', 'dispatched')]);
    expect(h.values()).toMatchObject({ 'hotline.received': 0, 'hotline.open': 1, 'hotline.overdue': 1 });
  });
});

describe('themes fold: effectively once', () => {
  const events = [
    sensor(NOON, 'wl-1', 'water_level', 20),
    sensor(NOON + MIN, 'ts-1', 'traffic_speed', 20, { seg: 'r-art' }),
    ticket(NOON + MIN, 'a', 'received'),
    sensor(NOON + 3 * MIN, 'wl-1', 'water_level', 5),
    sensor(NOON + 20 * MIN, 'ns-1', 'noise', 50),
    ticket(NOON + 21 * MIN, 'a', 'resolved'),
  ];

  it('gives the same gauges however the records are cut into batches', () => {
    const one = new EventsHarness();
    one.fold(events);
    const many = new EventsHarness();
    for (const e of events) many.fold([e]);
    expect(Object.fromEntries(many.gauges)).toEqual(Object.fromEntries(one.gauges));
    expect(one.values()['devices.reportingShare:water_level']).toBe(0);
  });

  it('a batch whose output was not applied, delivered again, gives the same output (the due index is rebuilt)', () => {
    const h = new EventsHarness();
    h.fold(events.slice(0, 3));
    const lost = h.fold(events.slice(3), false); // the apply failed: nothing changed
    const again = h.fold(events.slice(3));
    expect(again).toEqual(lost);
    const clean = new EventsHarness();
    clean.fold(events.slice(0, 3));
    clean.fold(events.slice(3));
    expect(Object.fromEntries(h.gauges)).toEqual(Object.fromEntries(clean.gauges));
  });
});
