import { EmbeddedBus } from '@cityops/bus';
import { MemoryStore } from '@cityops/store';
import { eventually } from '@cityops/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRecord, testStage } from './contract/test-stage.js';
import { StreamRunner } from './runner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// the options a replay of a past period runs on (apps/gateway/src/replay): start by time, no
// commits on the bus, and a say before each fold in how many records go in now
describe('StreamRunner options for a replay', () => {
  let bus: EmbeddedBus;
  let store: MemoryStore;
  const runners: StreamRunner[] = [];
  beforeEach(async () => {
    bus = new EmbeddedBus({ retryBackoffMs: 20, maxBatchRecords: 50 });
    store = new MemoryStore();
    await bus.ensureTopics([
      { topic: 'in', partitions: 2 },
      { topic: 'out', partitions: 1 },
    ]);
  });
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.stop();
    await bus.close();
    await store.close();
  });
  const publish = (key: string, n: number) =>
    bus.publish(
      'in',
      Array.from({ length: n }, (_, i) => testRecord({ k: key, t: i })),
    );
  const run = async (options: Partial<ConstructorParameters<typeof StreamRunner>[0]>, group = 'replay') => {
    const runner = new StreamRunner({ bus, store, stage: testStage(group, 'in', 'out'), ...options });
    runners.push(runner);
    await runner.start();
    return runner;
  };
  const counter = async (group: string, field: string) => (await store.readVitals(group, 0, 0)).buckets.get(0)?.[field];

  it('startAtTime: a group without progress starts at the first record appended at or after it, not rebuilding', async () => {
    await publish('before', 30);
    await sleep(5);
    const at = Date.now();
    await publish('after', 40);
    const runner = await run({ startAtTime: at });
    await eventually(async () => ((await counter('replay', 'k:after')) === 40 ? true : undefined));
    expect(await counter('replay', 'k:before')).toBeUndefined();
    expect(runner.stats.rebuilds).toBe(0);
    expect((await store.readVitals('replay', 0, 0)).rebuilding).toBe(false);
    // without it the same new group rebuilds from the horizon and counts both
    await run({}, 'rebuilt');
    await eventually(async () => ((await counter('rebuilt', 'k:before')) === 30 ? true : undefined));
  });

  it('commitOffsets false: the group applies but commits nothing on the bus', async () => {
    await publish('a', 25);
    await run({ commitOffsets: false });
    await run({}, 'committing');
    await eventually(async () => ((await counter('replay', 'k:a')) === 25 ? true : undefined));
    await eventually(async () => ((await counter('committing', 'k:a')) === 25 ? true : undefined));
    expect(await bus.committedOffsets('replay', 'in')).toEqual({});
    const committed = await bus.committedOffsets('committing', 'in');
    expect(Object.values(committed).reduce((a, b) => a + b, 0)).toBe(25);
  });

  it('admit: records go in a prefix at a time, and a 0 ends the partition without a gap or an error', async () => {
    await bus.ensureTopics([{ topic: 'one', partitions: 1 }]);
    await bus.publish(
      'one',
      Array.from({ length: 50 }, (_, i) => testRecord({ k: 'x', t: i })),
    );
    const asked: number[] = [];
    const runner = new StreamRunner({
      bus,
      store,
      stage: testStage('admit', 'one', 'out'),
      // 7 at a time, and nothing from offset 30 on
      admit: async (_t, _p, records) => {
        asked.push(records[0]!.offset);
        return records[0]!.offset >= 30 ? 0 : Math.min(7, 30 - records[0]!.offset);
      },
    });
    runners.push(runner);
    await runner.start();
    await eventually(async () => ((await store.readProgress('admit'))['one:0']?.nextOffset === 30 ? true : undefined));
    expect(asked.slice(0, 6)).toEqual([0, 7, 14, 21, 28, 30]);
    expect(runner.stats.batches).toBe(5);
    // later records of the ended partition are not folded, and nothing is reported as an error
    await bus.publish('one', [testRecord({ k: 'x', t: 99 })]);
    await sleep(100);
    expect((await store.readProgress('admit'))['one:0']?.nextOffset).toBe(30);
    expect(await counter('admit', 'k:x')).toBe(30);
    expect(runner.stats.lastError).toBeNull();
    expect(asked.filter((o) => o >= 30)).toEqual([30]);
  });
});
