import { EmbeddedBus } from '@cityops/bus';
import { MemoryStore } from '@cityops/store';
import { describe, expect, it } from 'vitest';
import { MAX_PAGE_SIZE, OutboxRelay, RECORD_ID_HEADER } from './outbox-relay.js';

describe('OutboxRelay page size', () => {
  it('publishes the outbox in rounds of its page size, in order, each record once', async () => {
    const bus = new EmbeddedBus();
    const store = new MemoryStore();
    await bus.ensureTopics([{ topic: 'out', partitions: 1 }]);
    const { epoch } = await store.openEpoch('g');
    const outbox = Array.from({ length: 7 }, (_, i) => ({
      id: `g/t/0/0/${i}`,
      topic: 'out',
      key: null,
      value: `v${i}`,
    }));
    await store.applyBatch({
      group: 'g',
      epoch,
      topic: 't',
      partition: 0,
      fromOffset: 0,
      nextOffset: 1,
      increments: [],
      watermark: null,
      dropped: {},
      outbox,
    });
    const reads: number[] = [];
    const read = store.readOutbox.bind(store);
    store.readOutbox = async (group, max) => {
      const page = await read(group, max);
      reads.push(page.length);
      return page;
    };
    const relay = new OutboxRelay({ bus, store, group: 'g', pageSize: 3 });
    await relay.drain();
    expect(reads).toEqual([3, 3, 1]);
    expect(relay.published).toBe(7);
    expect(await store.outboxSize('g')).toBe(0);
    const got: Array<{ value: string; id: string | undefined }> = [];
    const replay = await bus.replay({
      topic: 'out',
      eachBatch: async (b) =>
        void got.push(...b.records.map((r) => ({ value: r.value, id: r.headers?.[RECORD_ID_HEADER] }))),
    });
    await replay.done;
    expect(got).toEqual(outbox.map((r) => ({ value: r.value, id: r.id })));
    await bus.close();
    await store.close();
  });

  it('refuses a page size the store cannot acknowledge', () => {
    const bus = new EmbeddedBus();
    const store = new MemoryStore();
    for (const pageSize of [0, -1, 1.5, MAX_PAGE_SIZE + 1])
      expect(() => new OutboxRelay({ bus, store, group: 'g', pageSize })).toThrow(RangeError);
    expect(() => new OutboxRelay({ bus, store, group: 'g', pageSize: MAX_PAGE_SIZE })).not.toThrow();
  });
});
