import { CityIndex, loadCityPack } from '@cityops/city';
import type { CityEvent } from '@cityops/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { packContext, ruleEnv } from '../env.js';
import { lightOutageRule } from './light-outage.js';
import { fold } from '../test/fold-rule.js';
import { detect } from '../test/fixtures.js';
import type { RuleEnv } from './rule.js';

const MIN = 60_000;
const BASE = { lon: 121.45, lat: 31.23 };
const KX = 111_320 * Math.cos((BASE.lat * Math.PI) / 180);
const at = (iso: string) => Date.parse(iso);

let seq = 0;
function light(i: number, t: number, watts: number, status: 'heartbeat' | 'alarm' = 'heartbeat'): CityEvent {
  return {
    v: 1,
    id: `e${++seq}`,
    source: 'sim.sensors',
    type: 'sensor.reading',
    eventTime: new Date(t).toISOString(),
    // 40 lights along one street, 100 m apart, four to a segment
    location: {
      lon: BASE.lon + (i * 100) / KX,
      lat: BASE.lat,
      districtId: 'sh-putuo',
      streetId: 'sh-putuo-s03',
      gridId: `g${Math.floor(i / 8)}`,
      roadSegmentId: `r${Math.floor(i / 4)}`,
    },
    category: { kind: 'part', code: 'P.02.01' },
    payload: { sensorId: `sl-${String(i).padStart(2, '0')}`, kind: 'street_light', value: watts, unit: 'W', status },
  };
}

/**
 * 40 lights reporting every 5 min from `fromIso` for `minutes`; `watts(i, t)` is each light's power.
 * Lights are on from `onAt` (default: 18:30 local, the sim's and our schedule) to 05:30.
 */
function street(fromIso: string, minutes: number, broken: (i: number, t: number) => boolean, onFrom = '18:30') {
  const [h, m] = onFrom.split(':').map(Number) as [number, number];
  const lit = (t: number) => {
    const local = (new Date(t + 8 * 3600_000).getUTCHours() * 60 + new Date(t).getUTCMinutes()) % 1440;
    return local >= h * 60 + m || local < 5 * 60 + 30;
  };
  const events: CityEvent[] = [];
  const t0 = at(fromIso);
  for (let k = 0; k * 5 < minutes; k++)
    for (let i = 0; i < 40; i++) {
      const t = t0 + k * 5 * MIN + i * 7000;
      events.push(light(i, t, broken(i, t) || !lit(t) ? 0 : 150 + (i % 7) * 10));
    }
  return events;
}

let env: RuleEnv;
beforeAll(() => {
  env = ruleEnv(packContext(loadCityPack()), lightOutageRule);
});

const OUT_FROM = at('2025-06-02T20:10:00+08:00');
const OUT_TO = at('2025-06-02T21:10:00+08:00');
const cluster = (i: number, t: number) => i >= 10 && i <= 15 && t >= OUT_FROM + (i - 10) * 30_000 && t < OUT_TO;

describe('light_outage', () => {
  it('raises one alert when neighbouring lights go dark together at night, grows, and clears when they come back', () => {
    const { alerts } = fold(lightOutageRule, env, street('2025-06-02T19:30:00+08:00', 150, cluster));
    expect(alerts.filter((a) => a.state === 'raised')).toHaveLength(1);
    expect(alerts.filter((a) => a.state === 'cleared')).toHaveLength(1);
    expect(new Set(alerts.map((a) => a.incidentKey)).size).toBe(1);
    const raised = alerts.find((a) => a.state === 'raised')!;
    expect(raised.detectedAt - OUT_FROM).toBeLessThanOrEqual(10 * MIN);
    expect(raised.categoryCode).toBe('E.08.01');
    expect(raised.place.roadSegmentId).toMatch(/^r[23]$/);
    expect(raised.summary.zh).toMatch(/路灯/);
    const last = alerts.filter((a) => a.state !== 'cleared').at(-1)!;
    expect(last.subjects).toHaveLength(6);
    expect(last.severity).toBe('major');
    expect(alerts.at(-1)!.state).toBe('cleared');
    expect(alerts.at(-1)!.detectedAt).toBeGreaterThanOrEqual(OUT_TO);
  });

  it('does not fire on one or two dead lamps (maintenance), nor on three dead lamps far apart or hours apart', () => {
    const two = (i: number, t: number) => (i === 4 || i === 5) && t >= OUT_FROM;
    expect(fold(lightOutageRule, env, street('2025-06-02T19:30:00+08:00', 150, two)).alerts).toHaveLength(0);
    const far = (i: number, t: number) => (i === 0 || i === 15 || i === 30) && t >= OUT_FROM;
    expect(fold(lightOutageRule, env, street('2025-06-02T19:30:00+08:00', 150, far)).alerts).toHaveLength(0);
    const apart = (i: number, t: number) => (i === 10 || i === 11 || i === 12) && t >= OUT_FROM + (i - 10) * 40 * MIN;
    expect(fold(lightOutageRule, env, street('2025-06-02T19:30:00+08:00', 180, apart)).alerts).toHaveLength(0);
  });

  it('sees nothing by day (0 W is normal) and keeps no state for the lights', () => {
    const day = (i: number, t: number) => cluster(i, t - 9 * 3600_000);
    const { alerts, states } = fold(lightOutageRule, env, street('2025-06-02T10:30:00+08:00', 150, day));
    expect(alerts).toHaveLength(0);
    expect(states.size).toBe(0);
  });

  it('sees a daytime outage at dusk, when its lights stay dark as the others come on', () => {
    const from = at('2025-06-02T17:00:00+08:00');
    const broken = (i: number, t: number) => i >= 20 && i <= 24 && t >= from;
    const { alerts } = fold(lightOutageRule, env, street('2025-06-02T16:30:00+08:00', 150, broken));
    const raised = alerts.filter((a) => a.state === 'raised');
    expect(raised).toHaveLength(1);
    expect(raised[0]!.detectedAt).toBeGreaterThanOrEqual(at('2025-06-02T18:30:00+08:00'));
    expect(raised[0]!.detectedAt).toBeLessThan(at('2025-06-02T18:45:00+08:00'));
  });

  it('does not fire when the city switches its lights on later than our schedule says', () => {
    const { alerts } = fold(
      lightOutageRule,
      env,
      street('2025-06-02T18:00:00+08:00', 90, () => false, '19:05'),
    );
    expect(alerts).toHaveLength(0);
  });

  it('does not take a device alarm flag alone for a failure', () => {
    const events = street('2025-06-02T20:00:00+08:00', 60, () => false).map((e) =>
      e.type === 'sensor.reading' && /sl-1[0-5]/.test(e.payload.sensorId)
        ? ({ ...e, payload: { ...e.payload, status: 'alarm' } } as CityEvent)
        : e,
    );
    expect(fold(lightOutageRule, env, events).alerts).toHaveLength(0);
  });

  it('gives the same alerts through JSON between steps and with late, swapped readings', () => {
    const events = street('2025-06-02T19:30:00+08:00', 150, cluster);
    const a = fold(lightOutageRule, env, events, { roundTrip: false }).alerts;
    const b = fold(lightOutageRule, env, events).alerts;
    expect(b).toEqual(a);
    const messy = [...events];
    for (let i = 0; i + 1 < messy.length; i += 5) [messy[i], messy[i + 1]] = [messy[i + 1]!, messy[i]!];
    for (let i = 50; i < messy.length; i += 97) messy.splice(i, 0, { ...messy[i - 45]!, id: `late-${i}` });
    const c = fold(lightOutageRule, env, messy).alerts;
    expect(c.filter((x) => x.state === 'raised')).toHaveLength(1);
    expect(c.filter((x) => x.state === 'cleared')).toHaveLength(1);
  });

  it('forgets failing lights that fall silent, and clears their outage by timer', () => {
    const events = street('2025-06-02T19:30:00+08:00', 150, cluster).filter(
      (e) =>
        !(
          e.type === 'sensor.reading' &&
          /sl-1[0-5]/.test(e.payload.sensorId) &&
          Date.parse(e.eventTime) > OUT_FROM + 20 * MIN
        ),
    );
    const { alerts } = fold(lightOutageRule, env, events);
    expect(alerts.filter((a) => a.state === 'raised')).toHaveLength(1);
    const cleared = alerts.filter((a) => a.state === 'cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]!.detectedAt).toBeGreaterThan(OUT_FROM + 35 * MIN); // last reading + staleMinutes
    expect(cleared[0]!.detectedAt).toBeLessThan(OUT_TO);
  });
});

describe('light_outage across a district border', () => {
  it('an outage with two lights on each side of a border is one alert, with all four lights (seed 6 missed it)', async () => {
    const pack = loadCityPack();
    const index = new CityIndex(pack);
    // walk east from a point until the district changes: the border
    let lon = 121.5;
    const lat = 31.3;
    const first = index.locate(lon, lat);
    if (!first.inside) throw new Error('start point outside the city');
    let other: ReturnType<CityIndex['locate']> = first;
    while (other.inside && other.districtId === first.districtId) {
      lon += 20 / KX;
      other = index.locate(lon, lat);
    }
    if (!other.inside) throw new Error('no neighbouring district found');
    const spots = [-150, -60, 60, 150].map((dx) => ({ lon: lon + dx / KX, lat }));
    const ids = spots.map((_, i) => `sl-b${i}`);
    const events: CityEvent[] = [];
    const t0 = at('2025-06-02T19:00:00+08:00');
    // 40 ordinary lit lamps in each district keep both lit shares up; the four go dark at 19:30
    const lamps = [
      ...Array.from({ length: 40 }, (_, i) => ({ id: `sl-a${i}`, lon: spots[0]!.lon - (300 + i * 40) / KX, lat })),
      ...Array.from({ length: 40 }, (_, i) => ({ id: `sl-c${i}`, lon: spots[3]!.lon + (300 + i * 40) / KX, lat })),
      ...spots.map((p, i) => ({ id: ids[i]!, ...p })),
    ];
    for (let k = 0; k < 18; k++)
      lamps.forEach((l, j) => {
        const t = t0 + k * 5 * MIN + j * 500;
        const where = index.locate(l.lon, l.lat);
        if (!where.inside) return;
        const dead = ids.includes(l.id) && t >= t0 + 30 * MIN;
        events.push({
          v: 1,
          id: `e${++seq}`,
          source: 'sim.sensors',
          type: 'sensor.reading',
          eventTime: new Date(t).toISOString(),
          location: {
            lon: l.lon,
            lat: l.lat,
            districtId: where.districtId,
            streetId: where.streetId,
            gridId: where.gridId,
          },
          category: { kind: 'part', code: 'P.02.01' },
          payload: { sensorId: l.id, kind: 'street_light', value: dead ? 0 : 160, unit: 'W', status: 'heartbeat' },
        } as CityEvent);
      });
    events.sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
    // both sides of the border hold lights of the four
    expect(new Set(spots.map((p) => (index.locate(p.lon, p.lat) as { districtId: string }).districtId)).size).toBe(2);
    const alerts = await detect(events, { rules: [lightOutageRule] });
    const raised = alerts.filter((a) => a.state === 'raised');
    expect(raised).toHaveLength(1);
    const all = new Set(alerts.flatMap((a) => a.subjects));
    for (const id of ids) expect(all.has(id)).toBe(true);
  });
});
