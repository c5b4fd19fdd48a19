/**
 * `npm run bench:latency`: event-to-screen latency in distributed mode on real Kafka and Redis.
 * Starts the launcher (aggregator + gateway as their own processes, simulator off), loads the
 * pipeline at BENCH_RATE events/s through the ingest path, and every 100 ms sends one marker
 * event from a dedicated source. A socket.io screen applies snapshot + deltas exactly as the
 * dashboard does; a marker's latency is from just before its publish to the delta in which the
 * marker count first includes it. Reported next to the same measurement with no load, as ratio.
 */
import { performance } from 'node:perf_hooks';
import { KafkaBus } from '@cityops/bus';
import { CityIndex, categoryIndex, loadCityPack } from '@cityops/city';
import { Ingestor } from '@cityops/ingest';
import { RedisStore } from '@cityops/store';
import { realInfra, uniqueName } from '@cityops/testkit';
import { ScreenClient } from '../e2e/screen-client.js';
import { startApp } from '../e2e/start-app.js';

const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const infra = realInfra();
const pack = loadCityPack();
const index = new CityIndex(pack);
const cats = categoryIndex(pack.taxonomy);
const places = pack.grids
  .filter((_, i) => i % 7 === 0)
  .map((g) => {
    const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0]! : g.geometry.coordinates[0]![0]!;
    return [(ring[0]![0] + ring[2]![0]) / 2, (ring[0]![1] + ring[2]![1]) / 2] as const;
  });

function event(source: string, id: string, i: number) {
  const [lon, lat] = places[i % places.length]!;
  return {
    v: 1,
    id,
    source,
    type: 'sensor.reading',
    eventTime: new Date().toISOString(),
    location: { lon, lat },
    category: { kind: 'part', code: 'P.01.01' },
    payload: { sensorId: `s${i % 999}`, kind: 'noise', value: 50, unit: 'dB' },
  };
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function measure(rate: number): Promise<{ p50: number; p99: number; max: number; n: number; achieved: number }> {
  const app = await startApp(
    {
      PORT: '0',
      SIMULATOR: 'off',
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: uniqueName('bench'),
      AGGREGATOR_GROUP: uniqueName('bench-agg'),
      LOG_LEVEL: 'warn',
    },
    90_000,
  );
  const bus = await KafkaBus.connect({ brokers: infra.kafkaBrokers, clientId: uniqueName('bench-load') });
  const store = new RedisStore({ url: infra.redisUrl, keyPrefix: uniqueName('bench-dedupe') });
  const ingestor = new Ingestor({
    bus,
    store,
    locator: index,
    categoryExists: (c) => cats.has(c),
    dedupeTtlMs: 60_000,
    maxClockSkewMs: 120_000,
  });
  const screen = new ScreenClient(app.url, app.screenToken);
  const marker = uniqueName('marker').toLowerCase();
  const sentAt: number[] = [];
  const latencies: number[] = [];
  let seen = 0;
  screen.socket.on('delta', () => {
    const count = screen.state?.bySource[marker]?.m15 ?? 0;
    const now = performance.now();
    while (seen < count && seen < sentAt.length) latencies.push(now - sentAt[seen++]!);
  });
  let loadSent = 0;
  const start = performance.now();
  let tick = 0;
  while (performance.now() - start < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate) - loadSent;
    const batch = Array.from({ length: Math.max(0, due) }, (_, i) => ({
      ok: true as const,
      value: event('bench-load', `l${loadSent + i}`, loadSent + i),
    }));
    sentAt.push(performance.now());
    const markerEvent = { ok: true as const, value: event(marker, `m${tick}`, tick) };
    await ingestor.ingest([markerEvent, ...batch], 'bench');
    loadSent += batch.length;
    tick++;
    const next = start + tick * 100;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  const achieved = loadSent / ((performance.now() - start) / 1000);
  await new Promise((r) => setTimeout(r, 3000));
  screen.close();
  await bus.close();
  await store.close();
  await app.stop();
  const warm = latencies.slice(5); // the first markers include the consumer group's join
  return { p50: pct(warm, 50), p99: pct(warm, 99), max: Math.max(...warm), n: warm.length, achieved };
}

const ms = (n: number) => `${n.toFixed(0)} ms`;
const idle = await measure(0);
console.log(
  `reference  no load            p50 ${ms(idle.p50)}  p99 ${ms(idle.p99)}  max ${ms(idle.max)}  (${idle.n} markers)`,
);
const loaded = await measure(RATE);
console.log(
  `ours       ${Math.round(loaded.achieved).toLocaleString('en-US')} events/s  p50 ${ms(loaded.p50)}  p99 ${ms(loaded.p99)}  max ${ms(loaded.max)}  (${loaded.n} markers)  p50 ratio ${(loaded.p50 / idle.p50).toFixed(2)}, p99 ratio ${(loaded.p99 / idle.p99).toFixed(2)}`,
);
process.exit(0);
