import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '@cityops/bus';
import { Topics, type DeadLetter } from '@cityops/schema';
import { realInfra, uniqueName } from '@cityops/testkit';
import { API_KEY, EXPECTED_DEAD_LETTER_CODES, runIntakeScenario } from './intake-scenario.js';
import { startApp, type RunningApp } from './start-app.js';

describe('distributed mode, end to end (separate processes on real Kafka and Redis)', () => {
  const infra = realInfra();
  let app: RunningApp;
  let bus: KafkaBus;
  let dlqStart: Record<number, number>;

  beforeAll(async () => {
    bus = await KafkaBus.connect({ brokers: infra.kafkaBrokers, clientId: uniqueName('e2e-reader') });
    await bus.ensureTopics([{ topic: Topics.dlq, partitions: 1 }]);
    dlqStart = await bus.endOffsets(Topics.dlq);
    app = await startApp(
      {
        PORT: '0',
        SIMULATOR: 'off',
        INGEST_API_KEYS: API_KEY,
        MAX_BODY_BYTES: '65536',
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        REDIS_URL: infra.redisUrl,
        // a fresh namespace and group: this run's counters start at zero
        REDIS_KEY_PREFIX: uniqueName('e2e'),
        AGGREGATOR_GROUP: uniqueName('e2e-aggregator'),
      },
      90_000,
    );
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('reports distributed mode with Kafka and Redis on /healthz', async () => {
    const health = (await (await fetch(new URL('/healthz', app.url), { headers: app.auth })).json()) as {
      mode: string;
      components: Record<string, { kind?: string; ok?: boolean }>;
    };
    expect(health.mode).toBe('distributed');
    expect(health.components.bus).toMatchObject({ kind: 'kafka', ok: true });
    expect(health.components.store).toMatchObject({ kind: 'redis', ok: true });
  });

  it('counts exactly the valid events on a screen and dead-letters the rest to city.dlq.v1', async () => {
    const result = await runIntakeScenario(
      app.url,
      async (source) => {
        const found: DeadLetter[] = [];
        const sub = await bus.replay({
          topic: Topics.dlq,
          fromOffsets: dlqStart,
          eachBatch: async (batch) => {
            for (const r of batch.records) {
              const dl = JSON.parse(r.value) as DeadLetter;
              if (dl.raw.includes(source) || dl.code === 'E_EVT_NOT_JSON') found.push(dl);
            }
          },
        });
        await sub.done;
        await sub.stop();
        return found;
      },
      app.screenToken,
    );
    expect(result.deadLetterCodes).toEqual(EXPECTED_DEAD_LETTER_CODES);
    expect(result.screen.state?.bySource[result.source]).toEqual({ m1: 40, m15: 40 });
    result.screen.close();
  });
});
