import { describe, expect, it, vi } from 'vitest';
import { runBusContract } from './contract/bus-contract.js';
import { EmbeddedBus } from './embedded-bus.js';
import type { BusLogger } from './logger.js';
import type { RecordBatch } from './port.js';

const quiet: BusLogger = { warn: () => {}, error: () => {} };

runBusContract('EmbeddedBus', async () => new EmbeddedBus({ logger: quiet, retryBackoffMs: 20 }));

describe('EmbeddedBus', () => {
  it('keeps at least retentionRecords per partition, advancing the log start like Kafka', async () => {
    const bus = new EmbeddedBus({ logger: quiet, retentionRecords: 10 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    await bus.publish(
      't',
      Array.from({ length: 105 }, (_, i) => ({ key: 'k', value: String(i) })),
    );
    expect(await bus.endOffsets('t')).toEqual({ 0: 105 });
    const seen: number[] = [];
    const replay = await bus.replay({
      topic: 't',
      eachBatch: async (b) => void seen.push(...b.records.map((r) => r.offset)),
    });
    await replay.done;
    await replay.stop();
    // whole segments of 10 are dropped: between 10 and 19 of the newest records remain, in order
    expect(seen.length).toBeGreaterThanOrEqual(10);
    expect(seen.length).toBeLessThan(20);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => 105 - seen.length + i));
    await bus.close();
  });

  it('starts a group below the log start at the log start', async () => {
    const bus = new EmbeddedBus({ logger: quiet, retentionRecords: 4 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    await bus.publish(
      't',
      Array.from({ length: 9 }, (_, i) => ({ key: null, value: String(i) })),
    );
    const got: number[] = [];
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      eachBatch: async (b) => void got.push(...b.records.map((r) => r.offset)),
    });
    await vi.waitFor(() => expect(got.at(-1)).toBe(8));
    expect(got[0]).toBe(4);
    await sub.stop();
    await bus.close();
  });

  it('holds memory flat over a long run: records held stay bounded by retention', async () => {
    const bus = new EmbeddedBus({ logger: quiet, retentionRecords: 5000 });
    await bus.ensureTopics([{ topic: 't', partitions: 2 }]);
    let consumed = 0;
    const sub = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      eachBatch: async (b) => void (consumed += b.records.length),
    });
    for (let round = 0; round < 50; round++) {
      await bus.publish(
        't',
        Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(50) })),
      );
      // a consumer that keeps up loses nothing to retention
      await vi.waitFor(() => expect(consumed).toBe((round + 1) * 2000));
    }
    let held = 0;
    const replay = await bus.replay({ topic: 't', eachBatch: async (b) => void (held += b.records.length) });
    await replay.done;
    expect(held).toBeLessThanOrEqual(2 * (5000 + 4095));
    await replay.stop();
    await sub.stop();
    await bus.close();
  });

  it('never calls eachBatch inside publish, and bounds batches to maxBatchRecords', async () => {
    const bus = new EmbeddedBus({ logger: quiet, maxBatchRecords: 100 });
    await bus.ensureTopics([{ topic: 't', partitions: 1 }]);
    const batches: RecordBatch[] = [];
    const sub = await bus.subscribe({ groupId: 'g', topics: ['t'], eachBatch: async (b) => void batches.push(b) });
    await bus.publish(
      't',
      Array.from({ length: 450 }, (_, i) => ({ key: null, value: String(i) })),
    );
    expect(batches).toHaveLength(0);
    await vi.waitFor(() => expect(batches.reduce((n, b) => n + b.records.length, 0)).toBe(450));
    expect(Math.max(...batches.map((b) => b.records.length))).toBeLessThanOrEqual(100);
    await sub.stop();
    await bus.close();
  });

  it('hands the partitions of a stopped member to the remaining one, from the committed offsets', async () => {
    const bus = new EmbeddedBus({ logger: quiet });
    await bus.ensureTopics([{ topic: 't', partitions: 4 }]);
    const a: string[] = [];
    const b: string[] = [];
    const subA = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      eachBatch: async (x) => void a.push(...x.records.map((r) => r.value)),
    });
    const subB = await bus.subscribe({
      groupId: 'g',
      topics: ['t'],
      eachBatch: async (x) => void b.push(...x.records.map((r) => r.value)),
    });
    await bus.publish(
      't',
      Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })),
    );
    await vi.waitFor(() => expect(a.length + b.length).toBe(40));
    await subB.stop();
    await bus.publish(
      't',
      Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` })),
    );
    await vi.waitFor(() => expect(a.filter((v) => v.startsWith('second')).length).toBe(40));
    expect(a.length + b.length).toBe(80);
    await subA.stop();
    await bus.close();
  });

  it('rejects a topic that was never ensured', async () => {
    const bus = new EmbeddedBus({ logger: quiet });
    await expect(bus.publish('missing', [{ key: null, value: 'x' }])).rejects.toMatchObject({
      code: 'E_BUS_UNAVAILABLE',
    });
    await bus.close();
  });
});
