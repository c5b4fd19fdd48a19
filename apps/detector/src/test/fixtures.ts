import { loadCityPack, mulberry32, type CityPack, type RoadSegment } from '@cityops/city';
import type { AlertEvent, CityEvent } from '@cityops/schema';
import { detectOffline, type OfflineOptions } from '../offline.js';

export const pack: CityPack = loadCityPack();
export const T0 = Date.parse('2026-03-02T08:00:00.000Z');
export const MIN = 60_000;

const M_LAT = 111_320;
const mLon = (lat: number) => M_LAT * Math.cos((lat * Math.PI) / 180);

/** A point `along` (0..1) a road's first edge, moved `offM` metres to its left. */
export function onRoad(road: RoadSegment, along: number, offM = 0): [number, number] {
  const [a, b] = road.geometry.coordinates as [[number, number], [number, number]];
  const lon = a[0] + (b[0] - a[0]) * along;
  const lat = a[1] + (b[1] - a[1]) * along;
  const dx = (b[0] - a[0]) * mLon(lat);
  const dy = (b[1] - a[1]) * M_LAT;
  const len = Math.hypot(dx, dy);
  return [lon + ((-dy / len) * offM) / mLon(lat), lat + ((dx / len) * offM) / M_LAT];
}

/** moves a point by metres */
export function shift([lon, lat]: [number, number], east: number, north: number): [number, number] {
  return [lon + east / mLon(lat), lat + north / M_LAT];
}

/** a secondary road with a loading zone, and the zone's centre */
export function roadWithZone(): { road: RoadSegment; zone: [number, number] } {
  const zone = pack.loadingZones.find((z) => pack.roads.some((r) => r.id === z.roadId))!;
  const ring = zone.geometry.coordinates[0]!;
  const c = ring.slice(0, -1).reduce((s, p) => [s[0] + p[0] / 4, s[1] + p[1] / 4], [0, 0]);
  return { road: pack.roads.find((r) => r.id === zone.roadId)!, zone: [c[0], c[1]] };
}

let seq = 0;
export function ping(vehicleId: string, t: number, [lon, lat]: [number, number], speedKmh?: number): CityEvent {
  return {
    v: 1,
    id: `gps-${vehicleId}-${t}-${seq++}`,
    source: 'test.gps',
    type: 'delivery.vehicle',
    eventTime: new Date(t).toISOString(),
    location: { lon, lat },
    category: { kind: 'event', code: 'E.06.01' },
    payload: { vehicleId, ...(speedKmh !== undefined ? { speedKmh } : {}) },
  } as CityEvent;
}

export function speedReading(
  sensorId: string,
  roadId: string,
  t: number,
  at: [number, number],
  value: number,
): CityEvent {
  return {
    v: 1,
    id: `ts-${sensorId}-${t}`,
    source: 'test.sensors',
    type: 'sensor.reading',
    eventTime: new Date(t).toISOString(),
    location: { lon: at[0], lat: at[1], roadSegmentId: roadId },
    category: { kind: 'part', code: 'P.02.10' },
    payload: { sensorId, kind: 'traffic_speed', value, unit: 'km/h', status: 'ok' },
  } as CityEvent;
}

export function ticket(id: string, t: number, at: [number, number], code = 'E.06.02'): CityEvent {
  return {
    v: 1,
    id,
    source: 'test.hotline',
    type: 'hotline.ticket',
    eventTime: new Date(t).toISOString(),
    location: { lon: at[0], lat: at[1] },
    category: { kind: 'event', code },
    payload: { ticketId: id, stage: 'received', channel: 'phone' },
  } as CityEvent;
}

export interface TrackOptions {
  /** ms between pings */
  periodMs?: number;
  /** share of pings lost */
  drop?: number;
  /** GPS error per axis, metres (gaussian) */
  sigmaM?: number;
  seed?: number;
  /** ping index → outlier offset in metres */
  outliers?: Record<number, number>;
}

/**
 * A van's pings: driving in from 300 m away over 90 s, standing at `at` from `arrive` to `depart`
 * (with noise, drops and outliers), then driving off 400 m over 80 s.
 */
export function vanTrack(
  vehicleId: string,
  at: [number, number],
  arrive: number,
  depart: number,
  o: TrackOptions = {},
): CityEvent[] {
  const period = o.periodMs ?? 30_000;
  const rnd = mulberry32(o.seed ?? 7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const sigma = o.sigmaM ?? 10;
  const from = shift(at, -300, 0);
  const to = shift(at, 400, 0);
  const out: CityEvent[] = [];
  let i = 0;
  for (let t = arrive - 90_000; t <= depart + 80_000; t += period, i++) {
    if (rnd() < (o.drop ?? 0)) continue;
    let p: [number, number];
    let speed = 0;
    if (t < arrive) {
      const u = (t - (arrive - 90_000)) / 90_000;
      p = [from[0] + (at[0] - from[0]) * u, from[1] + (at[1] - from[1]) * u];
      speed = 12;
    } else if (t <= depart) p = at;
    else {
      const u = (t - depart) / 80_000;
      p = [at[0] + (to[0] - at[0]) * u, at[1] + (to[1] - at[1]) * u];
      speed = 18;
    }
    p = shift(p, gauss() * sigma, gauss() * sigma);
    const out1 = o.outliers?.[i];
    if (out1) p = shift(p, out1, 0);
    void speed;
    out.push(ping(vehicleId, t, p));
  }
  return out;
}

export const byTime = (a: CityEvent, b: CityEvent) => Date.parse(a.eventTime) - Date.parse(b.eventTime);

export async function detect(events: CityEvent[], opts: Partial<OfflineOptions> = {}): Promise<AlertEvent[]> {
  const out: AlertEvent[] = [];
  for await (const a of detectOffline([...events].sort(byTime), { pack, ...opts })) out.push(a);
  return out;
}
