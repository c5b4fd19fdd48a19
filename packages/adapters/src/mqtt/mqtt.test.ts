import { ErrorCodes } from '@cityops/schema';
import { describe, expect, it } from 'vitest';
import { adapterContract, loadFixtures } from '../contract.js';
import { createMapContext } from '../context.js';
import { mqttAdapter, MqttOptions, mapSenml, kindOf, resolveSenml, stableId, topicMatches } from './index.js';

const options = {
  url: 'mqtt://127.0.0.1:1',
  topics: [
    { filter: 'sensors/#', format: 'senml' },
    { filter: 'city/+', format: 'json' },
    { filter: 'fleet/+/gps', format: 'gps' },
  ],
};

adapterContract(mqttAdapter, {
  fixtures: loadFixtures(new URL('./fixtures', import.meta.url)),
  options,
});

const NOW = Date.UTC(2026, 10, 22, 1, 0, 0);
const ctx = (devices: Record<string, { lon: number; lat: number }> = {}) =>
  createMapContext({ now: () => NOW, devices: new Map(Object.entries(devices)) });

// RFC 8428 sec. 5.1, "Multiple Measurements" and its "Resolved Data", verbatim
const MULTIPLE_MEASUREMENTS =
  '[{"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,"bu":"%RH","v":20},{"u":"lon","v":24.30621},{"u":"lat","v":60.07965},{"t":60,"v":20.3},{"u":"lon","t":60,"v":24.30622},{"u":"lat","t":60,"v":60.07965},{"t":120,"v":20.7},{"u":"lon","t":120,"v":24.30623},{"u":"lat","t":120,"v":60.07966},{"u":"%EL","t":150,"v":98},{"t":180,"v":21.2},{"u":"lon","t":180,"v":24.30628},{"u":"lat","t":180,"v":60.07967}]';
const RESOLVED_DATA =
  '[{"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067464e+09,"v":20},{"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067464e+09,"v":24.30621},{"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067464e+09,"v":60.07965},{"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067524e+09,"v":20.3},{"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067524e+09,"v":24.30622},{"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067524e+09,"v":60.07965},{"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067584e+09,"v":20.7},{"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067584e+09,"v":24.30623},{"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067584e+09,"v":60.07966},{"n":"urn:dev:ow:10e2073a01080063","u":"%EL","t":1.320067614e+09,"v":98},{"n":"urn:dev:ow:10e2073a01080063","u":"%RH","t":1.320067644e+09,"v":21.2},{"n":"urn:dev:ow:10e2073a01080063","u":"lon","t":1.320067644e+09,"v":24.30628},{"n":"urn:dev:ow:10e2073a01080063","u":"lat","t":1.320067644e+09,"v":60.07967}]';

describe('SenML resolution (RFC 8428 sec. 4.6)', () => {
  const simple = (pack: string) => {
    const r = resolveSenml(JSON.parse(pack), NOW);
    if (!r.ok) throw new Error(r.reason);
    return r.records.map((x) => ({ n: x.name, u: x.unit, t: x.timeMs / 1000, v: x.value }));
  };

  it("resolves the RFC's Multiple Measurements example to exactly its Resolved Data example", () => {
    expect(simple(MULTIPLE_MEASUREMENTS)).toEqual(simple(RESOLVED_DATA));
    expect(simple(MULTIPLE_MEASUREMENTS)).toHaveLength(13);
    expect(simple(RESOLVED_DATA)[9]).toEqual({ n: 'urn:dev:ow:10e2073a01080063', u: '%EL', t: 1320067614, v: 98 });
  });

  it('joins bn and n, carries bu to records without u, and adds t to bt (Multiple Datapoints)', () => {
    const out = simple(
      '[{"bn":"urn:dev:ow:10e2073a0108006:","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},{"n":"current","t":-5,"v":1.2},{"n":"current","v":1.7}]',
    );
    expect(out[0]).toMatchObject({ n: 'urn:dev:ow:10e2073a0108006:voltage', u: 'V', v: 120.1 });
    expect(out[1]).toMatchObject({ n: 'urn:dev:ow:10e2073a0108006:current', u: 'A', v: 1.2 });
    expect(out[1]!.t).toBeCloseTo(1276020071.001, 3);
    expect(out[2]!.t).toBeCloseTo(1276020076.001, 3);
  });

  it('reads a time under 2**28 as relative to now, and no time as now', () => {
    const r = resolveSenml(
      [
        { n: 'a', u: 'm', v: 1 },
        { n: 'b', u: 'm', v: 1, t: -30 },
        { bt: 2 ** 28, n: 'c', u: 'm', v: 1 },
      ],
      NOW,
    );
    expect(r.ok && r.records.map((x) => [x.timeMs, x.absoluteTime])).toEqual([
      [NOW, false],
      [NOW - 30_000, false],
      [2 ** 28 * 1000, true],
    ]);
  });

  it('adds bv and bs, keeps vs/vb/vd as they are, and skips a record of base fields only', () => {
    const r = resolveSenml(
      [{ bn: 'd:' }, { bv: 10, bs: 100, n: 'x', u: 'm', v: 1, s: 5 }, { n: 'y', vs: 'on' }, { n: 'z', vb: true }],
      NOW,
    );
    expect(r.ok && r.records.map((x) => [x.name, x.value, x.sum])).toEqual([
      ['d:x', 11, 105],
      ['d:y', 'on', undefined],
      ['d:z', true, undefined],
    ]);
  });

  it('rejects a pack that is not an array, a newer bver, and an unknown must-understand label', () => {
    expect(resolveSenml({ n: 'a', v: 1 }, NOW).ok).toBe(false);
    expect(resolveSenml([], NOW).ok).toBe(false);
    expect(resolveSenml([{ bver: 11, n: 'a', v: 1 }], NOW)).toMatchObject({ ok: false, reason: /bver 11/ });
    expect(resolveSenml([{ n: 'a', v: 1, x_: 1 }], NOW)).toMatchObject({ ok: false, reason: /must-understand/ });
    // an unknown label without the underscore is an extension: ignored
    expect(resolveSenml([{ n: 'a', v: 1, note: 'x' }], NOW)).toMatchObject({ ok: true, problems: [] });
  });

  it('rejects bad records one by one: two values, wrong types, a bad name, a name-less value', () => {
    const r = resolveSenml(
      [
        { n: 'ok', u: 'm', v: 1 },
        { n: 'two', v: 1, vs: 'x' },
        { n: 'str', v: '1' },
        { n: 'sp ace', v: 1 },
        { v: 1 },
        { n: 'ok2', v: 2 },
      ],
      NOW,
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.records.map((x) => x.name)).toEqual(['ok', 'ok2']);
    expect(r.problems.map((p) => p.index)).toEqual([1, 2, 3, 4]);
  });
});

describe('SenML mapping to sensor readings', () => {
  const kinds = MqttOptions.parse(options).kinds;

  it('maps names and units to kinds by the default table, first match wins', () => {
    const rec = (n: string, unit?: string) => ({
      index: 0,
      name: `urn:dev:x:${n}`,
      baseName: 'urn:dev:x:',
      unit,
      timeMs: NOW,
      absoluteTime: true,
    });
    expect(kindOf(rec('level', 'm'), kinds)).toBe('water_level');
    expect(kindOf(rec('level', '%EL'), kinds)).toBeUndefined(); // a battery level is not a water level
    expect(kindOf(rec('noise', 'dB'), kinds)).toBe('noise');
    expect(kindOf(rec('anything', 'dBA'), kinds)).toBe('noise');
    expect(kindOf(rec('pm2.5', 'ug/m3'), kinds)).toBe('air_quality');
    expect(kindOf(rec('speed', 'km/h'), kinds)).toBe('traffic_speed');
    expect(kindOf(rec('tilt', 'deg'), kinds)).toBe('manhole_cover');
    expect(kindOf(rec('lamp', '/'), kinds)).toBe('street_light');
    expect(kindOf(rec('temp', 'Cel'), kinds)).toBeUndefined();
  });

  it('a kinds rule in the options maps what the defaults do not', () => {
    const rules = MqttOptions.parse({
      ...options,
      kinds: [{ name: '^temp$', units: ['Cel'], kind: 'air_quality' }],
    }).kinds;
    const out = mapSenml(
      JSON.parse('[{"bn":"urn:dev:ow:1:","bt":1795309140,"n":"temp","u":"Cel","v":23.1}]'),
      ctx({ 'urn:dev:ow:1': { lon: 121.47, lat: 31.23 } }),
      rules,
    );
    expect(out).toMatchObject([
      {
        ok: true,
        event: { payload: { kind: 'air_quality', sensorId: 'urn:dev:ow:1:temp', value: 23.1, unit: 'Cel' } },
      },
    ]);
  });

  it('places a reading at the pack position of its time, else the latest before, else the device registry', () => {
    const pack = [
      { bn: 'urn:dev:g:', bt: 1795309000, n: 'level', u: 'm', v: 0.1 },
      { n: 'lon', u: 'lon', v: 121.1, t: 0 },
      { n: 'lat', u: 'lat', v: 31.1, t: 0 },
      { n: 'level', u: 'm', v: 0.2, t: 60 },
      { n: 'lon', u: 'lon', v: 121.2, t: 60 },
      { n: 'lat', u: 'lat', v: 31.2, t: 60 },
      { n: 'level', u: 'm', v: 0.3, t: 90 },
    ];
    const out = mapSenml(pack, ctx(), kinds);
    expect(out.map((m) => (m.ok ? m.event.location.lon : m.code))).toEqual([121.1, 121.2, 121.2]);
    const noPos = mapSenml(
      [{ bn: 'urn:dev:h:', bt: 1795309000, n: 'level', u: 'm', v: 0.1 }],
      ctx({ 'urn:dev:h': { lon: 121.5, lat: 31.3 } }),
      kinds,
    );
    expect(noPos).toMatchObject([{ ok: true, event: { location: { lon: 121.5, lat: 31.3 } } }]);
    expect(mapSenml([{ bn: 'urn:dev:h:', bt: 1795309000, n: 'level', u: 'm', v: 0.1 }], ctx(), kinds)).toMatchObject([
      { ok: false, code: ErrorCodes.ADP_NO_LOCATION },
    ]);
  });

  it('gives ids from the name and the time: a resend dedupes, a new reading does not', () => {
    const a = mapSenml(
      [{ bn: 'urn:dev:g:', bt: 1795309000, n: 'level', u: 'm', v: 0.1 }],
      ctx({ 'urn:dev:g': { lon: 121, lat: 31 } }),
      kinds,
    );
    const b = mapSenml(
      [{ bn: 'urn:dev:g:', bt: 1795309000, n: 'level', u: 'm', v: 0.1 }],
      ctx({ 'urn:dev:g': { lon: 121, lat: 31 } }),
      kinds,
    );
    const c = mapSenml(
      [{ bn: 'urn:dev:g:', bt: 1795309060, n: 'level', u: 'm', v: 0.1 }],
      ctx({ 'urn:dev:g': { lon: 121, lat: 31 } }),
      kinds,
    );
    const id = (m: (typeof a)[number]) => (m.ok ? m.event.id : m.code);
    expect(id(a[0]!)).toBe('urn:dev:g:level@1795309000000');
    expect(id(b[0]!)).toBe(id(a[0]!));
    expect(id(c[0]!)).not.toBe(id(a[0]!));
  });

  it('keeps long names within the envelope limit, stably', () => {
    const long = `urn:dev:${'x'.repeat(300)}`;
    expect(stableId(long)).toHaveLength(128);
    expect(stableId(long)).toBe(stableId(long));
    expect(stableId(`${long}y`)).not.toBe(stableId(long));
  });
});

describe('topic filters', () => {
  it('match as MQTT 3.1.1 sec. 4.7 says', () => {
    expect(topicMatches('sensors/#', 'sensors')).toBe(true);
    expect(topicMatches('sensors/#', 'sensors/a/b')).toBe(true);
    expect(topicMatches('fleet/+/gps', 'fleet/v1/gps')).toBe(true);
    expect(topicMatches('fleet/+/gps', 'fleet/v1/x/gps')).toBe(false);
    expect(topicMatches('city/+', 'city')).toBe(false);
    expect(topicMatches('#', '$SYS/broker')).toBe(false);
    expect(topicMatches('$share/g/city/+', 'city/x')).toBe(true);
  });
});
