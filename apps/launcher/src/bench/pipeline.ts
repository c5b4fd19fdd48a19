/**
 * `npm run bench`: the pipeline's throughput on real Kafka and Redis, each figure next to a
 * reference measured in the same run on the same broker, so the ratio is what we compare.
 *
 *  1. reference: raw kafkajs — produce N records in batches, consume them with eachBatch;
 *  2. ours, aggregation: KafkaBus publish + Aggregator (on the stream runtime) → RedisStore until
 *     all N are counted;
 *  2b. rebuild: the store loses everything, a new Aggregator in the same group rebuilds all N from
 *     the log by time; its rate against the live rate of 2;
 *  3. ours, ingest: Ingestor (validate, locate, dedupe, publish) on the embedded bus + memory
 *     store, against plain JSON.parse of the same inputs.
 */
import { performance } from 'node:perf_hooks';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Aggregator } from '@cityops/aggregator';
import { EmbeddedBus, KafkaBus } from '@cityops/bus';
import { CityIndex, categoryIndex, loadCityPack } from '@cityops/city';
import { Ingestor } from '@cityops/ingest';
import { Topics } from '@cityops/schema';
import { MemoryStore, RedisStore } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { rollup } from '@cityops/vitals';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const PARTITIONS = 8;
const infra = realInfra();
const pack = loadCityPack();
const index = new CityIndex(pack);
const cells = pack.grids.slice(0, 2000);

function makeEvents(n: number, t0: number): Array<{ key: string; value: string; raw: object }> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const g = cells[i % cells.length]!;
    const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0]! : g.geometry.coordinates[0]![0]!;
    const [lon, lat] = [(ring[0]![0] + ring[2]![0]) / 2, (ring[0]![1] + ring[2]![1]) / 2];
    const where = index.locate(lon, lat);
    const raw = {
      v: 1,
      id: `b-${i}`,
      source: 'bench',
      type: 'sensor.reading',
      eventTime: new Date(t0 + Math.floor(i / 50)).toISOString(),
      location: where.inside ? { lon, lat, gridId: where.gridId, districtId: where.districtId } : { lon, lat },
      category: { kind: 'part', code: 'P.01.01' },
      payload: { sensorId: `s-${i % 5000}`, kind: 'water_level', value: 0.5, unit: 'm', status: 'ok' },
    };
    out.push({ key: where.inside ? where.gridId : 'none', value: JSON.stringify(raw), raw });
  }
  return out;
}

async function reference(events: Array<{ key: string; value: string }>): Promise<number> {
  const kafka = new Kafka({
    brokers: infra.kafkaBrokers,
    clientId: uniqueName('bench-ref'),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('bench-ref');
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId: uniqueName('bench-ref') });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const start = performance.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= events.length) resolveDone();
    },
  });
  for (let i = 0; i < events.length; i += 5000) {
    await producer.send({
      topic,
      acks: -1,
      messages: events.slice(i, i + 5000).map((e) => ({ key: e.key, value: e.value })),
    });
  }
  await done;
  const secs = (performance.now() - start) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return events.length / secs;
}

async function countedAll(store: RedisStore, group: string, n: number): Promise<void> {
  for (;;) {
    const total = rollup(await store.readVitals(group, 0, Number.MAX_SAFE_INTEGER)).total.m15;
    if (total >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** live aggregation, then a rebuild of the same records after the store lost them */
async function ours(events: Array<{ key: string; value: string }>): Promise<{ live: number; rebuild: number }> {
  const bus = await KafkaBus.connect({ brokers: infra.kafkaBrokers, clientId: uniqueName('bench') });
  const keyPrefix = uniqueName('bench');
  const store = new RedisStore({ url: infra.redisUrl, keyPrefix });
  const topic = uniqueName('bench-events');
  const group = uniqueName('bench-agg');
  await bus.ensureTopics([
    { topic, partitions: PARTITIONS },
    { topic: Topics.dlq, partitions: 1 },
  ]);
  const aggregator = new Aggregator({ bus, store, group, topic, allowedLatenessMs: 3_600_000 });
  let start = performance.now();
  await aggregator.start();
  for (let i = 0; i < events.length; i += 5000) {
    await bus.publish(
      topic,
      events.slice(i, i + 5000).map((e) => ({ key: e.key, value: e.value })),
    );
  }
  await countedAll(store, group, events.length);
  const live = events.length / ((performance.now() - start) / 1000);
  await aggregator.stop();

  await deleteByPrefix(infra.redisUrl, keyPrefix);
  const rebuilder = new Aggregator({ bus, store, group, topic, allowedLatenessMs: 3_600_000 });
  start = performance.now();
  await rebuilder.start();
  await countedAll(store, group, events.length);
  const rebuild = events.length / ((performance.now() - start) / 1000);
  await rebuilder.stop();
  await bus.close();
  await store.close();
  await deleteByPrefix(infra.redisUrl, keyPrefix);
  return { live, rebuild };
}

async function ingestPath(events: Array<{ raw: object }>): Promise<{ ours: number; reference: number }> {
  const inputs = events.map((e) => JSON.stringify(e.raw));
  let t = performance.now();
  let sink = 0;
  for (const s of inputs) sink += (JSON.parse(s) as { v: number }).v;
  const reference = inputs.length / ((performance.now() - t) / 1000);
  const bus = new EmbeddedBus({ retentionRecords: 1_000_000 });
  const store = new MemoryStore();
  await bus.ensureTopics([
    { topic: Topics.events, partitions: PARTITIONS },
    { topic: Topics.dlq, partitions: 1 },
  ]);
  const cats = categoryIndex(pack.taxonomy);
  const ingestor = new Ingestor({
    bus,
    store,
    locator: index,
    categoryExists: (c) => cats.has(c),
    dedupeTtlMs: 600_000,
    maxClockSkewMs: 3_600_000,
  });
  t = performance.now();
  for (let i = 0; i < inputs.length; i += 5000) {
    await ingestor.ingest(
      inputs.slice(i, i + 5000).map((s) => ({ ok: true, value: JSON.parse(s) as unknown })),
      'bench',
    );
  }
  const oursRate = inputs.length / ((performance.now() - t) / 1000);
  await bus.close();
  await store.close();
  if (sink < 0) console.log(sink);
  return { ours: oursRate, reference };
}

const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
const events = makeEvents(N, Date.now() - 600_000);
console.log(
  `events: ${N.toLocaleString('en-US')}, partitions: ${PARTITIONS}, Kafka ${infra.kafkaBrokers.join(',')}, ${infra.redisUrl}`,
);
const ref = await reference(events);
console.log(`reference  raw kafkajs produce+consume           ${fmt(ref)}`);
const agg = await ours(events);
console.log(`ours       KafkaBus → Aggregator → RedisStore    ${fmt(agg.live)}   ratio ${(agg.live / ref).toFixed(2)}`);
console.log(
  `ours       rebuild from the log after a lost store ${fmt(agg.rebuild)}   ratio to live ${(agg.rebuild / agg.live).toFixed(2)}`,
);
const ing = await ingestPath(events.slice(0, Math.min(N, 100_000)));
console.log(`reference  JSON.parse of the same inputs         ${fmt(ing.reference)}`);
console.log(
  `ours       Ingestor (validate, locate, dedupe, publish, embedded)  ${fmt(ing.ours)}   ratio ${(ing.ours / ing.reference).toFixed(3)}`,
);
process.exit(0);
