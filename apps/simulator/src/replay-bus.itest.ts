import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@cityops/bus';
import { Topics, isCityopsError } from '@cityops/schema';
import { realInfra, uniqueName } from '@cityops/testkit';
import { writeScenario } from './offline.js';
import { parseScenarioOptions } from './options.js';
import { replayScenario } from './replay.js';
import { openBusDelivery } from './replay-bus.js';
import { defaultCity } from './test/fixture.js';

const quiet = { write: () => true, isTTY: false };
let dir = '';
let events = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cityops-replay-bus-'));
  const options = parseScenarioOptions({
    seed: 8,
    hours: 0.03,
    sensors: 200,
    vehicles: 30,
    ticketsPerHour: 300,
    incidentsPerHour: 0,
  });
  events = (await writeScenario({ options, outDir: dir, ...defaultCity() })).manifest.events;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('replay --bus (real Kafka and Redis)', () => {
  it('puts every event of a scenario on city.events.v1 through the ingest path, without HTTP', async () => {
    const infra = realInfra();
    const reader = await KafkaBus.connect({ brokers: infra.kafkaBrokers, clientId: uniqueName('replay-reader') });
    await reader.ensureTopics([{ topic: Topics.events, partitions: 8 }]);
    const sum = (o: Record<number, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    const before = sum(await reader.endOffsets(Topics.events));
    const bus = await openBusDelivery({
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: uniqueName('replay'), // fresh dedupe claims: the scenario's ids repeat per seed
    });
    const summary = await replayScenario({
      dir,
      url: 'http://unused.invalid',
      apiKey: '',
      speed: 'max',
      deliver: bus.deliver,
      progressOut: quiet,
    });
    await bus.close();
    expect(events).toBeGreaterThan(100);
    expect(summary).toMatchObject({ events, accepted: events, duplicates: 0, rejected: {} });
    expect(sum(await reader.endOffsets(Topics.events)) - before).toBe(events);
    await reader.close();
  });

  it('refuses to start without the running system’s Kafka and Redis, naming them', async () => {
    const err = await openBusDelivery({}).catch((e: unknown) => e);
    expect(isCityopsError(err, 'E_CFG_INVALID')).toBe(true);
    expect(String((err as Error).message)).toMatch(/--bus: set KAFKA_BROKERS and REDIS_URL/);
  });
});
