import { bench, describe } from 'vitest';
import { createMapContext } from '../context.js';
import { hotline, type HotlineOptions } from '../hotline/index.js';
import type { ReceiverRequest } from '../types.js';
import { gps, type GpsOptions } from './index.js';

/** parse + map of the gps and hotline adapters against JSON.parse of the same bytes (npx vitest bench --run src/gps) */
const N = 1000;
const ctx = createMapContext({ timeZone: 'Asia/Shanghai' });
const req = (body: string, contentType: string): ReceiverRequest => ({
  body: Buffer.from(body),
  contentType,
  query: {},
  headers: {},
});
const at = (i: number) =>
  `2026-11-22 08:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
const rows = Array.from({ length: N }, (_, i) => ({
  vehicle_id: `v-${i % 50}`,
  gps_time: at(i),
  lng: 121.4 + i * 1e-5,
  lat: 31.24,
  speed: i % 30,
}));
const csv = `vehicle_id,gps_time,lng,lat,speed\n${rows.map((r) => Object.values(r).join(',')).join('\n')}\n`;
const ndjson = rows.map((r) => JSON.stringify(r)).join('\n');
const gpsOptions = gps.options.parse({}) as GpsOptions;
const tickets = JSON.stringify(
  Array.from({ length: N }, (_, i) => ({
    ticketId: `T-${i}`,
    stage: 'received',
    time: at(i),
    category: '公共设施-路灯不亮',
    location: { lon: 121.47, lat: 31.23 },
  })),
);
const hotlineOptions = hotline.options.parse({}) as HotlineOptions;
const run = (adapter: typeof gps | typeof hotline, r: ReceiverRequest, o: unknown) => {
  const receiver = adapter.http![0]!;
  const p = receiver.parse ? receiver.parse(r) : undefined;
  const inputs = p ? (p.ok ? p.inputs : []) : (JSON.parse(r.body.toString('utf8')) as unknown[]);
  let n = 0;
  for (const i of inputs) n += (adapter.map as (i: unknown, c: typeof ctx, o: unknown) => unknown[])(i, ctx, o).length;
  if (n !== N) throw new Error(`${n} events, expected ${N}`);
};

describe(`gps: ${N} positions`, () => {
  bench('JSON.parse of the same rows as NDJSON lines', () => {
    for (const line of ndjson.split('\n')) JSON.parse(line);
  });
  bench('gps CSV parse + map', () => run(gps, req(csv, 'text/csv'), gpsOptions));
  bench('gps NDJSON parse + map', () => run(gps, req(ndjson, 'application/x-ndjson'), gpsOptions));
});

describe(`hotline: ${N} stage messages`, () => {
  bench('JSON.parse of the same bytes', () => {
    JSON.parse(tickets);
  });
  bench('hotline parse + map', () => run(hotline, req(tickets, 'application/json'), hotlineOptions));
});
