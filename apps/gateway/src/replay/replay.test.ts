import { EmbeddedBus } from '@cityops/bus';
import { MemoryStore } from '@cityops/store';
import { replaySuite } from './test/replay-suite.js';

replaySuite('the embedded bus and memory store', async () => {
  const bus = new EmbeddedBus({ retryBackoffMs: 20, maxBatchRecords: 64 });
  const store = new MemoryStore();
  return {
    bus,
    store,
    // the memory store has nothing to scan: a group is gone when every read of it is empty
    namespaceGone: async (group) => {
      const read = await store.readVitals(group, 0, Number.MAX_SAFE_INTEGER);
      return (
        read.buckets.size === 0 &&
        Object.keys(read.progress).length === 0 &&
        Object.keys(read.dropped).length === 0 &&
        read.updatedAt === null &&
        (await store.outboxSize(group)) === 0
      );
    },
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
});
