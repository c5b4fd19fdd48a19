import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { parseCityEvent, Topics } from '@cityops/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { createMapContext, type CategoryMappingData } from '../context.js';
import { adapterRouter } from '../http.js';
import { NOW, openHost, readAll, type HostRig } from '../test/rig.js';
import type { Mapped, ReceiverRequest } from '../types.js';
import { ngsi, type NgsiOptions } from './index.js';
import { parseSourceTime } from './time.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const mapping: CategoryMappingData = JSON.parse(
  readFileSync(new URL('../../../city/mappings/ngsi.json', import.meta.url), 'utf8'),
);
const options = ngsi.options.parse({}) as NgsiOptions;

function ctxWith(devices: Record<string, { lon: number; lat: number }> = {}, unmapped: string[] = []) {
  return createMapContext({
    mapping,
    devices: new Map(Object.entries(devices)),
    now: () => NOW,
    onUnmapped: (c) => unmapped.push(c),
  });
}

function one(input: unknown, ctx = ctxWith()): Mapped {
  const out = ngsi.map(input, ctx, options);
  expect(out).toHaveLength(1);
  return out[0]!;
}

function event(m: Mapped) {
  if (!m.ok) throw new Error(`expected an event, got ${m.code}: ${m.reason}`);
  const parsed = parseCityEvent(JSON.parse(JSON.stringify(m.event)));
  if (!parsed.ok) throw new Error(`not a valid envelope: ${parsed.reason}`);
  return parsed.event;
}

function sensorId(m: Mapped): string {
  const e = event(m);
  if (e.type !== 'sensor.reading') throw new Error(`expected a sensor reading, got ${e.type}`);
  return e.payload.sensorId;
}

function rejection(m: Mapped) {
  if (m.ok) throw new Error(`expected a rejection, got event ${m.event.id}`);
  return m;
}

const req = (
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): ReceiverRequest => ({
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  contentType,
  query: {},
  headers,
});
const [v2Receiver, ldReceiver] = ngsi.http!;

describe('time', () => {
  it('reads offsets, local times in the pack zone, and interval ends', () => {
    expect(parseSourceTime('2021-01-11T15:51:02+05:30', 'Asia/Shanghai')).toBe(Date.UTC(2021, 0, 11, 10, 21, 2));
    expect(parseSourceTime('2016-03-15T11:00:00', 'Asia/Shanghai')).toBe(Date.UTC(2016, 2, 15, 3, 0, 0));
    expect(parseSourceTime('2016-03-15T11:00:00', 'Europe/Madrid')).toBe(Date.UTC(2016, 2, 15, 10, 0, 0));
    expect(parseSourceTime('2016-07-15T11:00:00', 'Europe/Madrid')).toBe(Date.UTC(2016, 6, 15, 9, 0, 0));
    expect(parseSourceTime('2016-12-07T11:10:00/2016-12-07T11:15:00Z', 'UTC')).toBe(Date.UTC(2016, 11, 7, 11, 15));
    expect(parseSourceTime('2016-12-28T12:00:00.00Z', 'UTC')).toBe(Date.UTC(2016, 11, 28, 12));
    for (const bad of ['yesterday', '2016-02-30T00:00:00Z', '2016-13-01T00:00:00Z', '', '2016-03-15']) {
      expect(parseSourceTime(bad, 'UTC'), bad).toBeUndefined();
    }
  });
});

describe('ngsi map: Smart Data Models examples as published', () => {
  it('TrafficFlowObserved → traffic_speed from averageVehicleSpeed, the same event in v2, keyValues and NGSI-LD', () => {
    const events = [
      'sdm/TrafficFlowObserved.normalized.json',
      'sdm/TrafficFlowObserved.keyvalues.json',
      'sdm/TrafficFlowObserved.normalized.jsonld',
    ].map((f) => event(one(fixture(f))));
    for (const e of events) {
      expect(e).toMatchObject({
        type: 'sensor.reading',
        source: 'ngsi',
        eventTime: '2016-12-07T11:15:00.000Z', // the end of the observation interval
        location: { lon: -4.73735395519672, lat: 41.6538181849672 }, // first point of the LineString
        category: { kind: 'part', code: 'P.02.10' },
        payload: { kind: 'traffic_speed', value: 52.6, unit: 'km/h', status: 'ok' },
      });
    }
    // v2 and keyValues name the entity alike, so a re-notification in either format dedupes
    expect(events[0]!.id).toBe('TrafficFlowObserved-Valladolid-osm-60821110@2016-12-07T11:15:00.000Z');
    expect(events[1]!.id).toBe(events[0]!.id);
    expect(events[2]!.id).toBe(
      'urn:ngsi-ld:TrafficFlowObserved:TrafficFlowObserved-Valladolid-osm-60821110@2016-12-07T11:15:00.000Z',
    );
  });

  it('Streetlight → street_light from powerState (on/off), time from observationDateTime', () => {
    for (const f of [
      'sdm/Streetlight.normalized.json',
      'sdm/Streetlight.keyvalues.json',
      'sdm/Streetlight.normalized.jsonld',
    ]) {
      const e = event(one(fixture(f)));
      expect(e, f).toMatchObject({
        eventTime: '2021-01-11T10:21:02.000Z',
        location: { lon: -3.164485591715449, lat: 40.62785133667262 },
        category: { kind: 'part', code: 'P.02.01' },
        payload: { kind: 'street_light', value: 0, unit: 'on/off', status: 'ok' },
      });
    }
    const broken = fixture('sdm/Streetlight.keyvalues.json');
    broken.status = 'defectiveLamp';
    broken.powerState = 'on';
    expect(event(one(broken)).payload).toMatchObject({ value: 1, status: 'alarm' });
  });

  it('AirQualityObserved → air_quality: pm25, else pm10, else the index; local times in the pack zone', () => {
    const n = event(one(fixture('sdm/AirQualityObserved.normalized.json')));
    // the published example carries no pm25/pm10: the index is what it has
    expect(n.payload).toMatchObject({ kind: 'air_quality', value: 65, unit: 'AQI' });
    expect(n.eventTime).toBe('2016-03-15T03:00:00.000Z'); // 11:00 without an offset, read in Asia/Shanghai
    expect(n.category).toEqual({ kind: 'part', code: 'P.03.05' });
    const kv = event(one(fixture('sdm/AirQualityObserved.keyvalues.json')));
    expect(kv.eventTime).toBe('2016-03-15T04:00:00.000Z'); // interval 11:00/12:00 → its end
    const withPm = fixture('sdm/AirQualityObserved.normalized.json');
    withPm.pm25 = { type: 'Number', value: 0.042, metadata: { unitCode: { value: 'GP' } } }; // mg/m3
    expect(event(one(withPm)).payload).toMatchObject({ value: 42, unit: 'ug/m3' });
  });

  it('NoiseLevelObserved → noise from LAeq, time from dateObservedTo', () => {
    const e = event(one(fixture('sdm/NoiseLevelObserved.normalized.json')));
    expect(e).toMatchObject({
      eventTime: '2016-12-28T12:00:00.000Z',
      payload: { kind: 'noise', value: 67.8, unit: 'dB' },
      category: { code: 'P.03.06' },
    });
  });

  it('FloodMonitoring without a location is dead-lettered E_ADP_NO_LOCATION unless the device registry knows it', () => {
    const f = fixture('sdm/FloodMonitoring.normalized.json');
    const r = rejection(one(f));
    expect(r.code).toBe('E_ADP_NO_LOCATION');
    expect(r.id).toBe('urn:ngsi-ld:FloodMonitoring:Pune-NoiseLevelObserved');
    // the registry may know the full id or the short one
    for (const key of ['urn:ngsi-ld:FloodMonitoring:Pune-NoiseLevelObserved', 'Pune-NoiseLevelObserved']) {
      const e = event(one(f, ctxWith({ [key]: { lon: 121.47, lat: 31.23 } })));
      expect(e).toMatchObject({
        location: { lon: 121.47, lat: 31.23 },
        eventTime: '2020-09-16T08:00:00.000Z',
        payload: { kind: 'water_level', value: 198, unit: 'cm', status: 'ok' }, // 1.98 m
        category: { code: 'P.01.10' },
      });
    }
    const danger = {
      ...f,
      floodLevelStatus: { type: 'Text', value: 'Danger' },
      currentLevel: { value: 27, metadata: { unitCode: { value: 'CMT' } } },
    };
    const d = event(one(danger, ctxWith({ 'Pune-NoiseLevelObserved': { lon: 121.47, lat: 31.23 } })));
    expect(d.payload).toMatchObject({ value: 27, unit: 'cm', status: 'alarm' });
  });

  it('types envelope v1 cannot carry are dead-lettered E_ADP_UNSUPPORTED_TYPE, saying what they held', () => {
    const cases: [string, RegExp][] = [
      ['sdm/WaterQualityObserved.normalized.json', /pH 7\.4, temperature 24\.4/],
      ['sdm/ParkingSpot.normalized.json', /status "free"/],
      ['sdm/OffStreetParking.normalized.json', /132 of 414 spots free/],
    ];
    for (const [f, why] of cases) {
      const r = rejection(one(fixture(f)));
      expect(r.code, f).toBe('E_ADP_UNSUPPORTED_TYPE');
      expect(r.reason, f).toMatch(why);
    }
  });

  it('Vehicle: the published refuse lorry is not a delivery vehicle; a van is a position, speed and heading only', () => {
    for (const f of ['sdm/Vehicle.keyvalues.json', 'sdm/Vehicle.normalized.jsonld']) {
      const r = rejection(one(fixture(f)));
      expect(r.code).toBe('E_ADP_UNSUPPORTED_TYPE');
      expect(r.reason).toMatch(/municipalServices/);
    }
    const kv = { ...fixture('sdm/Vehicle.keyvalues.json'), vehicleType: 'van', category: ['tracked'] };
    const e = event(one(kv));
    expect(e).toMatchObject({
      type: 'delivery.vehicle',
      eventTime: '2021-03-11T10:21:02.000Z',
      category: { kind: 'event', code: 'E.06' },
      payload: { vehicleId: 'vehicle:WasteManagement:1', speedKmh: 50, headingDeg: 43 },
    });
    expect(e.payload).not.toHaveProperty('state');
    const ld = fixture('sdm/Vehicle.normalized.jsonld');
    ld.vehicleType = { type: 'Property', value: 'van' };
    ld.category = { type: 'Property', value: ['tracked'] };
    // NGSI-LD: the location's own observedAt is the time of the position
    expect(event(one(ld)).eventTime).toBe('2018-09-27T12:00:00.000Z');
  });
});

describe('ngsi map: everything else', () => {
  it('an unknown type with a known measurement is accepted under the catch-all and listed as unmapped', () => {
    const unmapped: string[] = [];
    const e = event(
      one(
        {
          id: 'ns-7',
          type: 'NoiseSensor',
          LAeq: { type: 'Number', value: 71 },
          location: { type: 'geo:json', value: { type: 'Point', coordinates: [121.5, 31.2] } },
          dateObserved: { type: 'DateTime', value: '2026-11-22T08:59:00+08:00' },
        },
        ctxWith({}, unmapped),
      ),
    );
    expect(e.payload).toMatchObject({ kind: 'noise', value: 71 });
    expect(e.category).toEqual({ kind: 'event', code: 'E.10.01' });
    expect(unmapped).toEqual(['NoiseSensor']);
  });

  it("Orion's own example (Room: temperature, humidity) has no sensor kind: E_ADP_UNSUPPORTED_TYPE", () => {
    for (const f of ['broker/orion-v2-normalized.json', 'broker/orion-v2-keyvalues.json']) {
      const [r] = ngsi.map(fixture(f), ctxWith(), options);
      expect(rejection(r!).code).toBe('E_ADP_UNSUPPORTED_TYPE');
    }
  });

  it('one bad entity never drops the good ones of the same notification', () => {
    const good = fixture('sdm/NoiseLevelObserved.normalized.json');
    const out = ngsi.map(
      { subscriptionId: 's', data: [good, 42, { id: 'x' }, fixture('sdm/ParkingSpot.normalized.json'), good] },
      ctxWith(),
      options,
    );
    expect(out.map((m) => (m.ok ? 'ok' : m.code))).toEqual([
      'ok',
      'E_ADP_BAD_INPUT',
      'E_ADP_BAD_INPUT',
      'E_ADP_UNSUPPORTED_TYPE',
      'ok',
    ]);
  });

  it('bad times, bad coordinates and bad values get their own codes', () => {
    const base = fixture('sdm/NoiseLevelObserved.normalized.json');
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, dateObservedTo: { type: 'DateTime', value: 'yesterday' } }, 'E_ADP_BAD_TIME', /yesterday/],
      [
        { ...base, location: { type: 'geo:json', value: { type: 'Point', coordinates: [200, 31] } } },
        'E_ADP_BAD_INPUT',
        /out of range/,
      ],
      [{ ...base, location: { type: 'geo:json', value: { type: 'Point' } } }, 'E_ADP_BAD_INPUT', /GeoJSON/],
      [{ ...base, LAeq: { type: 'Number', value: 'loud' } }, 'E_ADP_BAD_INPUT', /LAeq "loud"/],
      [
        { ...base, LAeq: { type: 'Number', value: 60, metadata: { unitCode: { value: 'XYZ' } } } },
        'E_ADP_BAD_INPUT',
        /unitCode "XYZ"/,
      ],
      [{ ...base, id: '' }, 'E_ADP_BAD_INPUT', /id/],
    ];
    for (const [input, code, why] of cases) {
      const r = rejection(one(input));
      expect(r.code).toBe(code);
      expect(r.reason).toMatch(why);
    }
  });

  it('NGSI-LD attribute and type names expanded to IRIs are matched by their last segment', () => {
    const sdm = 'https://smartdatamodels.org/dataModel.Transportation/';
    const e = event(
      one({
        ngsi: 'ld',
        notifiedAt: '2026-11-22T00:59:30Z',
        entity: {
          id: 'urn:ngsi-ld:TrafficFlowObserved:tf-9',
          type: `${sdm}TrafficFlowObserved`,
          [`${sdm}averageVehicleSpeed`]: { type: 'Property', value: 12.5 },
          location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [121.4737, 31.2304] } },
        },
      }),
    );
    expect(e.payload).toMatchObject({ kind: 'traffic_speed', value: 12.5 });
    expect(e.eventTime).toBe('2026-11-22T00:59:30.000Z'); // no time in the entity: the notification's
    expect(e.category.code).toBe('P.02.10');
  });

  it('ids longer than the envelope allows are shortened with a hash, stably', () => {
    const long = {
      ...fixture('sdm/NoiseLevelObserved.normalized.json'),
      id: `urn:ngsi-ld:NoiseLevelObserved:${'x'.repeat(300)}`,
    };
    const a = event(one(long));
    const b = event(one(long));
    expect(a.id.length).toBeLessThanOrEqual(128);
    expect(sensorId(one(long)).length).toBeLessThanOrEqual(128);
    expect(a.id).toBe(b.id);
    expect(sensorId(one({ ...long, id: `${long.id}y` }))).not.toBe(sensorId(one(long)));
  });
});

describe('ngsi receivers', () => {
  it('v2: Orion notifications (normalized, keyValues) become one input per entity; values format is refused', () => {
    const n = v2Receiver!.parse!(
      req(fixture('broker/orion-v2-normalized.json'), { 'ngsiv2-attrsformat': 'normalized' }),
    );
    expect(n).toMatchObject({ ok: true, inputs: [{ ngsi: 'v2', attrsFormat: 'auto', entity: { id: 'Room1' } }] });
    const kv = v2Receiver!.parse!(
      req(fixture('broker/orion-v2-keyvalues.json'), { 'ngsiv2-attrsformat': 'keyValues' }),
    );
    expect(kv).toMatchObject({ ok: true, inputs: [{ attrsFormat: 'keyValues' }] });
    const simplified = v2Receiver!.parse!(
      req(fixture('sdm/Streetlight.keyvalues.json'), { 'ngsiv2-attrsformat': 'simplifiedKeyValues' }),
    );
    expect(simplified).toMatchObject({ ok: true, inputs: [{ entity: { id: 'streetlight:guadalajara:4567' } }] });
    const values = v2Receiver!.parse!(req(fixture('broker/orion-v2-values.json'), { 'ngsiv2-attrsformat': 'values' }));
    expect(values).toMatchObject({ ok: false, code: 'E_ADP_UNSUPPORTED_TYPE' });
    expect(v2Receiver!.parse!(req('{"data": [')).ok).toBe(false);
    expect(v2Receiver!.parse!(req('{"data": [')) as { code: string }).toMatchObject({ code: 'E_ADP_PARSE' });
    expect(v2Receiver!.parse!(req({ subscriptionId: 'x' }))).toMatchObject({ ok: false, code: 'E_ADP_BAD_INPUT' });
    expect(v2Receiver!.parse!(req('<xml/>', {}, 'text/xml'))).toMatchObject({ ok: false, code: 'E_ADP_PARSE' });
  });

  it('NGSI-LD: the notification (JSON or JSON-LD) gives its entities and notifiedAt; a wrong shape is refused', () => {
    const cygnus = fixture('broker/cygnus-ld-offstreetparking.json');
    const p = ldReceiver!.parse!(req(cygnus, {}, 'application/ld+json'));
    expect(p).toMatchObject({ ok: true, inputs: [{ ngsi: 'ld', entity: { type: 'OffStreetParking' } }] });
    const withTime = { ...cygnus, notifiedAt: '2026-11-22T00:59:00.000Z' };
    const link = {
      link: '<https://smartdatamodels.org/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"',
    };
    expect(ldReceiver!.parse!(req(withTime, link))).toMatchObject({
      ok: true,
      inputs: [{ notifiedAt: '2026-11-22T00:59:00.000Z' }],
    });
    expect(ldReceiver!.parse!(req({ ...cygnus, type: 'Entity' }))).toMatchObject({
      ok: false,
      code: 'E_ADP_BAD_INPUT',
    });
    expect(ldReceiver!.parse!(req({ ...cygnus, notifiedAt: 'soon' }))).toMatchObject({
      ok: false,
      code: 'E_ADP_BAD_TIME',
    });
    // the polygon's mean is the place; the parking itself has no kind in envelope v1
    const [r] = ngsi.map((p as { inputs: unknown[] }).inputs[0], ctxWith(), options);
    expect(rejection(r!).reason).toMatch(/122 of 200 spots free/);
  });

  it('answers 204 as brokers expect, 400 with a code for a bad body, 503 when entities must be sent again', () => {
    const none = { accepted: 0, duplicates: 0, rejected: [], retry: [] };
    expect(v2Receiver!.answer!({ ...none, accepted: 1 }, req({}))).toEqual({ status: 204 });
    expect(
      v2Receiver!.answer!({ ...none, rejected: [{ index: 0, code: 'E_ADP_NO_LOCATION', reason: 'x' }] }, req({})),
    ).toEqual({ status: 204 });
    expect(v2Receiver!.answer!(undefined, req({}), { code: 'E_ADP_PARSE', reason: 'not JSON' })).toMatchObject({
      status: 400,
      body: { error: 'BadRequest', code: 'E_ADP_PARSE', description: 'not JSON' },
    });
    const retry = ldReceiver!.answer!(
      { ...none, retry: [{ index: 0, code: 'E_EVT_IN_FLIGHT', reason: 'x' }] },
      req({}),
    );
    expect(retry).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
  });
});

describe('ngsi through the adapter host and HTTP', () => {
  let rig: HostRig | undefined;
  let server: ReturnType<express.Express['listen']> | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await rig?.close();
    rig = undefined;
    server = undefined;
  });

  it('a v2 notification with one good and one bad entity: 204, the good one on the topic, the bad one dead-lettered', async () => {
    rig = await openHost({ mappings: { ngsi: mapping } });
    rig.host.add(ngsi, {});
    const app = express();
    app.use('/api/v1/ingest', adapterRouter(rig.host, rig.bus));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/ingest`;
    // the published noise example, moved to Shanghai and to the test clock (noted: not the published place/time)
    const noise: Record<string, unknown> = {
      ...fixture('sdm/NoiseLevelObserved.normalized.json'),
      dateObservedTo: { type: 'DateTime', value: '2026-11-22T08:59:00+08:00' },
      location: { type: 'geo:json', value: { type: 'Point', coordinates: [121.4737, 31.2304] } },
    };
    const body = JSON.stringify({
      subscriptionId: '57458eb60962ef754e7c0998',
      data: [noise, fixture('sdm/FloodMonitoring.normalized.json')],
    });
    const post = () =>
      fetch(`${base}/ngsi/v2/notify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'ngsiv2-attrsformat': 'normalized' },
        body,
      });
    const res = await post();
    expect(res.status).toBe(204);
    const again = await post(); // a re-notification dedupes on entity id + observed time
    expect(again.status).toBe(204);
    const events = (await readAll(rig.bus, Topics.events)).map((r) => JSON.parse(r.value!));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: `${String(noise.id)}@2026-11-22T00:59:00.000Z`,
      location: { districtId: expect.any(String) },
    });
    const dlq = (await readAll(rig.bus, Topics.dlq)).map((r) => JSON.parse(r.value!));
    expect(dlq.map((d) => d.code)).toEqual(['E_ADP_NO_LOCATION', 'E_ADP_NO_LOCATION']);
    const bad = await fetch(`${base}/ngsi-ld/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/ld+json' },
      body: '{"type":"Notification"',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'BadRequest', code: 'E_ADP_PARSE' });
    const [h] = rig.host.health();
    expect(h).toMatchObject({ name: 'ngsi', accepted: 1, duplicates: 1 });
  });
});
