import { EmbeddedBus } from '@cityops/bus';
import { ErrorCodes } from '@cityops/schema';
import { MemoryStore } from '@cityops/store';
import { eventually } from '@cityops/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { testRecord, testStage } from './contract/test-stage.js';
import { StreamRunner } from './runner.js';

// R5 needs a log that loses records: the embedded bus's retention (Kafka's is not set per test)
describe('stream runtime R5 on a log that lost records', () => {
  const bus = new EmbeddedBus({ retentionRecords: 100, maxRetainedRecords: 100, retryBackoffMs: 20 });
  const store = new MemoryStore();
  afterEach(async () => {
    await bus.close();
    await store.close();
  });

  it('R5: records gone from the log before the stage read them are counted as lost, never skipped silently', async () => {
    await bus.ensureTopics([
      { topic: 'in', partitions: 1 },
      { topic: 'out', partitions: 1 },
    ]);
    const publish = (from: number, n: number) =>
      bus.publish(
        'in',
        Array.from({ length: n }, (_, i) => testRecord({ k: 'a', t: 1_000 * (from + i) })),
      );
    const stage = testStage('g', 'in', 'out');
    const first = new StreamRunner({ bus, store, stage });
    await first.start();
    await publish(0, 50);
    await eventually(async () => ((await store.readProgress('g'))['in:0']?.nextOffset === 50 ? true : undefined));
    await first.stop();
    // nobody reads while 5,000 more arrive: retention drops all but the last ~100
    for (let i = 0; i < 50; i++) await publish(50 + i * 100, 100);
    const logStart = (await bus.startOffsets('in'))[0]!;
    expect(logStart).toBeGreaterThan(50);

    const second = new StreamRunner({ bus, store, stage });
    await second.start();
    await eventually(async () => ((await store.readProgress('g'))['in:0']?.nextOffset === 5_050 ? true : undefined));
    const read = await store.readVitals('g', 0, 0);
    expect(read.dropped[ErrorCodes.STREAM_RECORDS_LOST]).toBe(logStart - 50);
    expect(read.buckets.get(0)?.['k:a']).toBe(50 + (5_050 - logStart));
    expect(second.stats.lost).toBe(logStart - 50);
    expect(second.stats.lastError?.code).toBe(ErrorCodes.STREAM_RECORDS_LOST);
    await second.stop();
  });
});
