/**
 * `npm run bench:themes`: what the vital signs by theme (issue 11) cost, on real Kafka and Redis,
 * each figure next to its reference measured in the same run on the same broker:
 *
 *  1. events/s of the aggregator with all themes (counting stage + themes stage + vans stage)
 *     against the counts-only aggregator, over the same records of one topic (each from its own
 *     new group, so both read the same log from the rebuild horizon);
 *  2. store round trips per second (each apply is one EVALSHA) with the themes aggregator live at
 *     two event rates (15 % and 60 % of the capacity measured in 1): they must not grow with the
 *     rate, because a batch applies all its records' changes at once;
 *  3. the size of the snapshot's `themes` (bytes of JSON) and of a typical delta between two reads.
 */
import { performance } from 'node:perf_hooks';
import { Aggregator } from '@cityops/aggregator';
import { KafkaBus } from '@cityops/bus';
import { CityIndex, loadCityPack } from '@cityops/city';
import { Topics, diffMergePatch, type Json } from '@cityops/schema';
import { RedisStore, type Store } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { ThemesView, shippedSeed, themesGroups } from '@cityops/themes';
import { rollup } from '@cityops/vitals';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const SENSORS = Number(process.env.BENCH_SENSORS ?? 20_000);
const VANS = 500;
const PARTITIONS = 8;
/** the two live rates, as shares of the all-themes capacity this run measured (a lagging stage would only batch more) */
const RATE_SHARES = [0.15, 0.6];
const WINDOW_MS = 10_000;
const infra = realInfra();
const pack = loadCityPack();
const index = new CityIndex(pack);
const KINDS = ['traffic_speed', 'water_level', 'air_quality', 'noise', 'street_light', 'manhole_cover'] as const;

interface Place {
  lon: number;
  lat: number;
  loc: Record<string, unknown>;
  key: string;
}

function placeAt(lon: number, lat: number, roadSegmentId?: string): Place | undefined {
  const w = index.locate(lon, lat);
  if (!w.inside) return undefined;
  const loc = {
    lon,
    lat,
    gridId: w.gridId,
    communityId: w.communityId,
    streetId: w.streetId,
    districtId: w.districtId,
  };
  return { lon, lat, key: w.gridId, loc: roadSegmentId ? { ...loc, roadSegmentId } : loc };
}

const sensors: Array<{ id: string; kind: (typeof KINDS)[number]; place: Place }> = [];
for (let i = 0; sensors.length < SENSORS && i < SENSORS * 3; i++) {
  const kind = KINDS[i % KINDS.length]!;
  let place: Place | undefined;
  if (kind === 'traffic_speed' || kind === 'street_light') {
    const road = pack.roads[(i * 7919) % pack.roads.length]!;
    const [lon, lat] = road.geometry.coordinates[0]!;
    place = placeAt(lon!, lat!, road.id);
  } else {
    const g = pack.grids[(i * 104_729) % pack.grids.length]!;
    const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0]! : g.geometry.coordinates[0]![0]!;
    place = placeAt((ring[0]![0] + ring[2]![0]) / 2, (ring[0]![1] + ring[2]![1]) / 2);
  }
  if (place) sensors.push({ id: `bs-${i}`, kind, place });
}
const vanHome = sensors.filter((s) => s.kind === 'water_level').slice(0, VANS);

/** the i-th event of the mix: 88 % sensor readings, 10 % van fixes, 2 % ticket stages */
function event(i: number, t: number): { key: string; value: string } {
  const r = i % 50;
  if (r < 5) {
    const home = vanHome[i % vanHome.length]!;
    const step = Math.floor(i / 50) % 20; // stands a while, then moves on
    const lon = home.place.lon + (step < 10 ? 0 : step * 0.0004);
    return {
      key: home.place.key,
      value: JSON.stringify({
        v: 1,
        id: `bv-${i}`,
        source: 'bench',
        type: 'delivery.vehicle',
        eventTime: new Date(t).toISOString(),
        location: { ...home.place.loc, lon },
        category: { kind: 'event', code: 'E.06' },
        payload: { vehicleId: `van-${i % vanHome.length}` },
      }),
    };
  }
  if (r === 5) {
    const s = sensors[i % sensors.length]!;
    const stages = ['received', 'dispatched', 'responded', 'resolved', 'callback'];
    return {
      key: s.place.key,
      value: JSON.stringify({
        v: 1,
        id: `bt-${i}`,
        source: 'hotline-12345',
        type: 'hotline.ticket',
        eventTime: new Date(t).toISOString(),
        location: s.place.loc,
        category: { kind: 'event', code: 'E.01.01' },
        payload: { ticketId: `tk-${Math.floor(i / 250)}`, stage: stages[Math.floor(i / 50) % 5], channel: 'phone' },
      }),
    };
  }
  const s = sensors[i % sensors.length]!;
  const value = s.kind === 'traffic_speed' ? 10 + (i % 50) : s.kind === 'street_light' ? (i % 9 ? 150 : 0) : i % 97;
  return {
    key: s.place.key,
    value: JSON.stringify({
      v: 1,
      id: `b-${i}`,
      source: 'bench',
      type: 'sensor.reading',
      eventTime: new Date(t).toISOString(),
      location: s.place.loc,
      category: { kind: 'part', code: 'P.01.10' },
      payload: { sensorId: s.id, kind: s.kind, value, unit: 'x', status: 'ok' },
    }),
  };
}

/** counts store round trips by method */
function counting(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

const bus = await KafkaBus.connect({ brokers: infra.kafkaBrokers, clientId: uniqueName('bench-themes') });
const keyPrefix = uniqueName('bench-themes');
const redis = new RedisStore({ url: infra.redisUrl, keyPrefix });
const topic = uniqueName('bench-themes-events');
const vanTopic = uniqueName('bench-themes-vans');
await bus.ensureTopics([
  { topic, partitions: PARTITIONS },
  { topic: vanTopic, partitions: PARTITIONS },
  { topic: Topics.dlq, partitions: 1 },
]);
const t0 = Date.now() - 300_000;
const records = Array.from({ length: N }, (_, i) => event(i, t0 + Math.floor((i * 240_000) / N)));
const vanFixes = records.filter((r) => r.value.includes('"delivery.vehicle"')).length;
for (let i = 0; i < records.length; i += 5000) await bus.publish(topic, records.slice(i, i + 5000));
console.log(
  `events: ${N.toLocaleString('en-US')} (${SENSORS.toLocaleString('en-US')} sensors, ${vanHome.length} vans, ${vanFixes.toLocaleString('en-US')} fixes), partitions: ${PARTITIONS}, Kafka ${infra.kafkaBrokers.join(',')}, ${infra.redisUrl}`,
);

async function until(done: () => Promise<boolean>): Promise<void> {
  while (!(await done())) await new Promise((r) => setTimeout(r, 20));
}
const counted = async (group: string) =>
  rollup(await redis.readVitals(group, 0, Number.MAX_SAFE_INTEGER)).total.m15 >= N;

async function run(withThemes: boolean): Promise<number> {
  const group = uniqueName(withThemes ? 'bench-all' : 'bench-counts');
  const agg = new Aggregator({
    bus,
    store: redis,
    group,
    topic,
    vanTopic,
    allowedLatenessMs: 3_600_000,
    ...(withThemes ? { city: { pack, index } } : {}),
  });
  const start = performance.now();
  await agg.start();
  await until(async () => {
    if (!(await counted(group))) return false;
    if (!agg.themes) return true;
    const s = agg.themes.stats;
    return s.events.applied >= N && s.vans.applied >= vanFixes;
  });
  const rate = N / ((performance.now() - start) / 1000);
  await agg.stop();
  return rate;
}

const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
const countsOnly = await run(false);
console.log(`reference  counts-only aggregator (1 stage)                 ${fmt(countsOnly)}`);
const all = await run(true);
console.log(
  `ours       aggregator with all themes (3 stages, same log)   ${fmt(all)}   ratio ${(all / countsOnly).toFixed(2)}`,
);

// 2. store round trips per second at two event rates, the themes aggregator live
const live = counting(redis);
const liveGroup = uniqueName('bench-live');
const liveTopic = uniqueName('bench-themes-live');
await bus.ensureTopics([{ topic: liveTopic, partitions: PARTITIONS }]);
const liveAgg = new Aggregator({
  bus,
  store: live.store,
  group: liveGroup,
  topic: liveTopic,
  vanTopic: uniqueName('bench-themes-live-vans'),
  allowedLatenessMs: 3_600_000,
  city: { pack, index },
});
await liveAgg.start();
let sent = 0;
for (const share of RATE_SHARES) {
  const rate = Math.max(100, Math.round((all * share) / 100) * 100);
  const perTick = rate / 10;
  const measure = async (ms: number) => {
    const before = new Map(live.calls);
    const startedAt = performance.now();
    while (performance.now() - startedAt < ms) {
      const tickStart = performance.now();
      const batch = Array.from({ length: perTick }, () => event(sent++, Date.now()));
      await bus.publish(liveTopic, batch);
      const wait = 100 - (performance.now() - tickStart);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const secs = (performance.now() - startedAt) / 1000;
    const delta = (m: string) => ((live.calls.get(m) ?? 0) - (before.get(m) ?? 0)) / secs;
    return {
      applies: delta('applyBatch'),
      all: [...live.calls.keys()].reduce((s, m) => s + delta(m), 0),
      behind: sent - liveAgg.themes!.stats.events.applied,
    };
  };
  await measure(3_000); // warm-up at this rate
  const m = await measure(WINDOW_MS);
  console.log(
    `live at ${rate.toLocaleString('en-US')} events/s: ${m.applies.toFixed(1)} applies/s (one EVALSHA each), ${m.all.toFixed(1)} store calls/s in all; the themes stage ${m.behind.toLocaleString('en-US')} records behind at the end`,
  );
}
// 3. snapshot size, and a delta between two reads 10,000 events apart (the live aggregator still running)
const view = new ThemesView({ store: redis, group: liveGroup, pack, ...seedOf() });
const first = await view.read();
const readStart = performance.now();
const second = await view.read();
const readMs = performance.now() - readStart;
const themesBytes = Buffer.byteLength(JSON.stringify(first));
console.log(
  `snapshot: one read ${readMs.toFixed(1)} ms; themes ${themesBytes.toLocaleString('en-US')} bytes of JSON (${Object.keys(first?.byStreet ?? {}).length} streets, ${Object.keys(first?.byDistrict ?? {}).length} districts); gauges ${Object.keys(await redis.readGauges(themesGroups(liveGroup).events)).length.toLocaleString('en-US')} fields`,
);
for (let i = 0; i < 20; i++)
  await bus.publish(
    liveTopic,
    Array.from({ length: 500 }, () => event(sent++, Date.now())),
  );
await new Promise((r) => setTimeout(r, 5_000));
await liveAgg.stop();
const third = await view.read();
const patch = diffMergePatch(second as unknown as Json, third as unknown as Json);
const part = (k: string) =>
  Buffer.byteLength(JSON.stringify((patch as Record<string, unknown> | undefined)?.[k] ?? {}));
console.log(
  `delta: ${Buffer.byteLength(JSON.stringify(patch ?? {})).toLocaleString('en-US')} bytes of merge patch after 10,000 more events (byStreet ${part('byStreet')}, byDistrict ${part('byDistrict')}, city ${part('city')}, healthTrend ${part('healthTrend')})`,
);
const size = (k: string) =>
  Buffer.byteLength(JSON.stringify((first as unknown as Record<string, unknown> | undefined)?.[k] ?? {}));
console.log(
  `snapshot parts: byStreet ${size('byStreet')}, byDistrict ${size('byDistrict')}, city ${size('city')}, areaKm2 ${size('areaKm2')}, healthTrend ${size('healthTrend')} bytes`,
);
await bus.close();
await redis.close();
await deleteByPrefix(infra.redisUrl, keyPrefix);
process.exit(0);

function seedOf() {
  const seed = shippedSeed(pack.meta.id);
  return seed ? { seed } : {};
}
