import { EmbeddedBus } from '@cityops/bus';
import { MemoryStore } from '@cityops/store';
import { deskSuite } from './test/desk-suite.js';

interface MemoryInternals {
  groups: Map<string, { state: Map<string, Map<string, string>> }>;
}

deskSuite(
  'embedded bus + memory store',
  async () => {
    const bus = new EmbeddedBus({ retryBackoffMs: 20 });
    const store = new MemoryStore();
    return {
      bus,
      store,
      // the memory store has no door for this on purpose; a test reaches into it as an intruder would
      tamper: async (group, topic, partition, key, value) => {
        const kv = (store as unknown as MemoryInternals).groups.get(group)?.state.get(`${topic}:${partition}`);
        if (!kv?.has(key)) throw new Error(`no stored ${key}`);
        kv.set(key, value);
      },
      loseStore: async () => store.clear(),
      cleanup: async () => {
        await bus.close();
        await store.close();
      },
    };
  },
  10_000,
);
