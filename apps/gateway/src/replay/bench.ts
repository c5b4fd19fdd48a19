/**
 * The replay rate (复盘 at speed=max) next to the live aggregator's rate on the same broker, the
 * same store and the same records, in the same run (DESIGN.md: report ratios).
 *
 *   npm run build -w @cityops/gateway && npm run bench:replay -w @cityops/gateway [-- --events 200000]
 *
 * Both read a backlog of N events on a fresh topic: the live vital-signs stage (a new group of
 * `aggregatorStage` on the stream runtime, as the aggregator runs it) from the rebuild horizon,
 * and a replay of the period that holds them all. Kafka + Redis from KAFKA_BROKERS / REDIS_URL
 * (or the test infra, `bash infra/up.sh`); `--embedded` runs the embedded bus and memory store.
 * Not part of `npm test`: it is a measurement, printed, never asserted.
 */
import { aggregatorStage } from '@cityops/aggregator';
import { EmbeddedBus, KafkaBus, type Bus, type BusRecord } from '@cityops/bus';
import { MemoryStore, RedisStore, type Store } from '@cityops/store';
import { StreamRunner } from '@cityops/stream';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { Replays } from './replays.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = arg('events', 200_000);
const PARTITIONS = arg('partitions', 8);
const embedded = args.includes('--embedded');
const MIN = 60_000;
const LATENESS_MS = 3_600_000;

async function main(): Promise<void> {
  const infra = embedded ? undefined : realInfra();
  const keyPrefix = uniqueName('bench-replay');
  const bus: Bus = infra
    ? await KafkaBus.connect({
        brokers: infra.kafkaBrokers,
        clientId: uniqueName('bench-replay'),
        partitionsConsumedConcurrently: PARTITIONS,
      })
    : new EmbeddedBus({ retentionRecords: N });
  const store: Store = infra ? new RedisStore({ url: infra.redisUrl, keyPrefix }) : new MemoryStore();
  const topic = uniqueName('bench-replay-events');
  await bus.ensureTopics([{ topic, partitions: PARTITIONS }]);

  // N events over 40 minutes of event time ending 5 minutes ago, appended now
  const t0 = Date.now() - 45 * MIN;
  const span = 40 * MIN;
  const sources = ['sim.sensors', 'sim.logistics', 'hotline-12345'];
  const types = ['sensor.reading', 'delivery.vehicle', 'hotline.ticket'];
  let published = 0;
  const started = performance.now();
  while (published < N) {
    const records: BusRecord[] = [];
    for (let i = 0; i < 5_000 && published < N; i++, published++) {
      const k = published % 3;
      records.push({
        key: `grid-${published % 997}`,
        value: JSON.stringify({
          v: 1,
          id: `b-${published}`,
          source: sources[k],
          type: types[k],
          eventTime: new Date(t0 + Math.floor((published * span) / N)).toISOString(),
          ingestTime: new Date().toISOString(),
          location: {
            lon: 121.4,
            lat: 31.2,
            districtId: `d${published % 16}`,
            streetId: `d${published % 16}-s${published % 7}`,
          },
          category: { code: 'x' },
          payload: { value: published % 100 },
        }),
      });
    }
    await bus.publish(topic, records);
  }
  const publishS = (performance.now() - started) / 1000;
  console.log(`${bus.kind}: published ${N} events on ${PARTITIONS} partitions in ${publishS.toFixed(1)} s`);

  // the live stage catching up on the backlog
  const liveGroup = uniqueName('bench-live');
  const live = new StreamRunner({ bus, store, stage: aggregatorStage(liveGroup, LATENESS_MS, topic) });
  const liveStart = performance.now();
  await live.start();
  await until(async () => sum(await store.readProgress(liveGroup)) >= N);
  const liveS = (performance.now() - liveStart) / 1000;
  await live.stop();

  // a replay of the period at max speed
  const replays = new Replays({
    bus,
    store,
    topic,
    stagesOf: (g) => [aggregatorStage(g, LATENESS_MS, topic)],
    allowedLatenessMs: LATENESS_MS,
    settings: { maxConcurrent: 1, idleTimeoutMs: 600_000, maxPeriodMs: 24 * 60 * MIN },
    emitterFor: () => ({ emit: () => true }),
    watchers: () => 1,
    intervalMs: 250,
  });
  const replayStart = performance.now();
  const run = await replays.create({ from: t0, to: t0 + span, speed: Infinity });
  await until(async () => (await run.status()).phase === 'done');
  const replayS = (performance.now() - replayStart) / 1000;
  const status = await run.status();
  await replays.close();

  const liveRate = N / liveS;
  const replayRate = status.records.done / replayS;
  console.log(`live aggregator (catching up): ${N} events in ${liveS.toFixed(2)} s = ${Math.round(liveRate)} events/s`);
  console.log(
    `replay at speed=max:           ${status.records.done} events in ${replayS.toFixed(2)} s = ${Math.round(replayRate)} events/s (incl. joining its group)`,
  );
  console.log(`ratio replay / live: ${(replayRate / liveRate).toFixed(2)}`);
  await bus.close();
  await store.close();
  if (infra) await deleteByPrefix(infra.redisUrl, keyPrefix);
}

function sum(progress: Record<string, { nextOffset: number }>): number {
  return Object.values(progress).reduce((a, p) => a + p.nextOffset, 0);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

await main();
