import { eventually, realInfra, uniqueName } from '@cityops/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { runBusContract } from './contract/bus-contract.js';
import { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
import type { BusLogger } from './logger.js';

const { kafkaBrokers } = realInfra();
const warnings: string[] = [];
const collecting: BusLogger = { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };

// Short group timings: the broker runs with group.initial.rebalance.delay.ms=0, and members
// notice rebalances within a fetch wait.
const fast: KafkaBusOptions = {
  brokers: kafkaBrokers,
  clientId: 'bus-itest',
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 6_000,
  maxWaitTimeMs: 100,
  retryBackoffMs: 100,
  logger: collecting,
};

const admin = new Kafka({ brokers: kafkaBrokers, clientId: 'bus-itest-cleanup', logLevel: logLevel.NOTHING }).admin();
afterAll(() => admin.disconnect());

runBusContract('KafkaBus', () => KafkaBus.connect(fast), {
  async cleanup({ topics, groups }) {
    await admin.connect();
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => {});
  },
});

describe('KafkaBus', () => {
  it('fails fast with E_BUS_UNAVAILABLE naming the brokers when none is reachable', async () => {
    const started = Date.now();
    const err = await KafkaBus.connect({
      brokers: ['127.0.0.1:1'],
      logger: collecting,
      connectionTimeoutMs: 1_000,
      retries: 2,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_BUS_UNAVAILABLE' });
    expect(String((err as Error).message)).toContain('127.0.0.1:1');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('keeps heartbeating through a batch longer than the session timeout, so the batch is neither lost nor redelivered', async () => {
    const bus = await KafkaBus.connect(fast);
    const topic = uniqueName('bus-long');
    const groupId = uniqueName('bus-long-group');
    await bus.ensureTopics([{ topic, partitions: 1 }]);
    await bus.publish(
      topic,
      [1, 2, 3].map((i) => ({ key: 'k', value: String(i) })),
    );
    const deliveries: number[] = [];
    const sub = await bus.subscribe({
      groupId,
      topics: [topic],
      eachBatch: async (batch) => {
        deliveries.push(batch.records[0]!.offset);
        if (deliveries.length === 1) await new Promise((r) => setTimeout(r, (fast.sessionTimeoutMs ?? 6_000) + 2_000));
      },
    });
    try {
      await eventually(
        async () => ((await bus.committedOffsets(groupId, topic))[0] === 3 ? true : undefined),
        20_000,
        'commit of the long batch',
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(deliveries).toEqual([0]);
    } finally {
      await sub.stop();
      await bus.close();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => {});
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    }
  });

  it('B15: startAt below the log start (records deleted) delivers from the log start', async () => {
    const bus = await KafkaBus.connect(fast);
    const topic = uniqueName('bus-truncated');
    const groupId = uniqueName('bus-truncated-group');
    await bus.ensureTopics([{ topic, partitions: 1 }]);
    await bus.publish(
      topic,
      Array.from({ length: 30 }, (_, i) => ({ key: 'k', value: String(i) })),
    );
    await admin.connect();
    // deleteTopicRecords finds the leader in the admin's metadata, which must know the new topic
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '20' }] });
    expect(await bus.startOffsets(topic)).toEqual({ 0: 20 });
    const got: number[] = [];
    const sub = await bus.subscribe({
      groupId,
      topics: [topic],
      startAt: async () => 5,
      eachBatch: async (b) => void got.push(...b.records.map((r) => r.offset)),
    });
    try {
      await eventually(() => (got.length >= 10 ? true : undefined), 20_000, '10 records');
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    } finally {
      await sub.stop();
      await bus.close();
      await admin.deleteGroups([groupId]).catch(() => {});
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    }
  });

  it('reports health from the cluster, and unhealthy without hanging when the broker is unreachable', async () => {
    const bus = new KafkaBus(fast);
    expect(await bus.health()).toMatchObject({ ok: true });
    await bus.close();
    const down = new KafkaBus({
      brokers: ['127.0.0.1:1'],
      logger: collecting,
      connectionTimeoutMs: 500,
      retries: 1,
      healthTimeoutMs: 1_500,
    });
    const started = Date.now();
    expect(await down.health()).toMatchObject({ ok: false });
    expect(Date.now() - started).toBeLessThan(3_000);
    await down.close();
  });
});
