/**
 * `npm run bench:detector`: the detector's throughput on the stream runtime (real Kafka + Redis)
 * against a raw kafkajs consume of the same records on the same broker, in the same run.
 *
 * Records: a realistic simulated scenario (all incident types, decoys on), each event located on
 * the pack as ingest does and keyed by its grid cell, published once to a fresh 8-partition topic.
 *  1. reference: a kafkajs consumer (fresh group, from the beginning, eachBatch) reads them all;
 *  2. ours: a `Detector` (router → internal by-key topic → rule stage, state and outbox in Redis,
 *     fresh groups, topics and key prefix) folds them all: the router has applied every input
 *     record and the rule stage every record of the internal topic (signals and marks included).
 * The figure is input events per second; the ratio is ours / reference. CPU: this process's user +
 * system CPU time per 1,000 input events over each phase (Kafka and Redis run in their own
 * processes), steadier than the rate on a shared machine.
 *
 * `BENCH_BASELINE=/path/to/detector/dist/index.js`: also runs that build of the detector (an older
 * commit, built elsewhere) in the same run, between the reference and ours, for a before/after.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '@cityops/bus';
import { CityIndex, loadCityPack } from '@cityops/city';
import { Detector, type DetectorOptions } from '@cityops/detector';
import { parseScenarioOptions, writeScenario } from '@cityops/simulator';
import { RedisStore } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';

const HOURS = Number(process.env.BENCH_HOURS ?? 0.5);
const PARTITIONS = 8;
const infra = realInfra();
const pack = loadCityPack();
const index = new CityIndex(pack);

async function scenarioRecords(): Promise<Array<{ key: string; value: string }>> {
  const dir = mkdtempSync(join(tmpdir(), 'cityops-bench-detector-'));
  const start = Math.floor((Date.now() - HOURS * 3_600_000 - 60_000) / 1000) * 1000;
  await writeScenario({
    options: parseScenarioOptions({ seed: 5, hours: HOURS, start: new Date(start).toISOString(), incidentsPerHour: 8 }),
    outDir: dir,
  });
  const out: Array<{ key: string; value: string }> = [];
  const text = readFileSync(join(dir, 'events.ndjson'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { location: Record<string, unknown> & { lon: number; lat: number } };
    const where = index.locate(e.location.lon, e.location.lat);
    if (!where.inside) continue;
    Object.assign(e.location, { gridId: where.gridId, streetId: where.streetId, districtId: where.districtId });
    out.push({ key: where.gridId, value: JSON.stringify(e) });
  }
  return out;
}

type Measured = { rate: number; cpuPerK: number };
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function reference(topic: string, n: number): Promise<Measured> {
  const kafka = new Kafka({
    brokers: infra.kafkaBrokers,
    clientId: uniqueName('bench-ref'),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: uniqueName('bench-ref') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const start = performance.now();
  const cpu0 = cpuMs();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= n) resolveDone();
    },
  });
  await done;
  const secs = (performance.now() - start) / 1000;
  const cpu = cpuMs() - cpu0;
  await consumer.disconnect();
  return { rate: n / secs, cpuPerK: (cpu / n) * 1000 };
}

type DetectorLike = { new (o: DetectorOptions): Detector };

async function ours(
  Impl: DetectorLike,
  bus: KafkaBus,
  topic: string,
  n: number,
): Promise<Measured & { alerts: number }> {
  const keyPrefix = uniqueName('bench-det');
  const store = new RedisStore({ url: infra.redisUrl, keyPrefix });
  const byKeyTopic = uniqueName('bench-det-bykey');
  const alertsTopic = uniqueName('bench-det-alerts');
  const detector = new Impl({
    bus,
    store,
    pack,
    index,
    group: uniqueName('bench-det'),
    topic,
    byKeyTopic,
    alertsTopic,
    allowedLatenessMs: 2 * 3_600_000,
  });
  const start = performance.now();
  const cpu0 = cpuMs();
  await detector.start();
  const sum = (o: Record<number, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  for (;;) {
    const { router, rules } = detector.stats;
    if (router.applied + router.duplicates >= n) {
      const internal = sum(await bus.endOffsets(byKeyTopic));
      if (rules.applied + rules.duplicates >= internal) break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const rate = n / ((performance.now() - start) / 1000);
  const cpu = cpuMs() - cpu0;
  await detector.flushOutbox();
  const alerts = sum(await bus.endOffsets(alertsTopic));
  await detector.stop();
  await store.close();
  await deleteByPrefix(infra.redisUrl, keyPrefix);
  return { rate, alerts, cpuPerK: (cpu / n) * 1000 };
}

const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
const records = await scenarioRecords();
const bus = await KafkaBus.connect({ brokers: infra.kafkaBrokers, clientId: uniqueName('bench-det') });
const topic = uniqueName('bench-det-events');
await bus.ensureTopics([{ topic, partitions: PARTITIONS }]);
for (let i = 0; i < records.length; i += 5000) await bus.publish(topic, records.slice(i, i + 5000));
console.log(
  `events: ${records.length.toLocaleString('en-US')} (realistic scenario, ${HOURS} h), partitions: ${PARTITIONS}, Kafka ${infra.kafkaBrokers.join(',')}, ${infra.redisUrl}`,
);
const ref = await reference(topic, records.length);
const cpu = (m: Measured) => `CPU ${Math.round(m.cpuPerK)} ms per 1k events`;
console.log(`reference  raw kafkajs consume                        ${fmt(ref.rate)}   ${cpu(ref)}`);
if (process.env.BENCH_BASELINE) {
  const base = (await import(process.env.BENCH_BASELINE)) as { Detector: DetectorLike };
  const b = await ours(base.Detector, bus, topic, records.length);
  console.log(
    `baseline   ${process.env.BENCH_BASELINE}   ${fmt(b.rate)}   ratio ${(b.rate / ref.rate).toFixed(3)}   ${cpu(b)}   alert events ${b.alerts}`,
  );
}
const det = await ours(Detector, bus, topic, records.length);
console.log(
  `ours       Detector (router → by-key → rules, Redis)    ${fmt(det.rate)}   ratio ${(det.rate / ref.rate).toFixed(3)}   ${cpu(det)}   alert events ${det.alerts}`,
);
await bus.close();
process.exit(0);
