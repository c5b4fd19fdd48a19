import { EmbeddedBus } from '@cityops/bus';
import { MemoryStore } from '@cityops/store';
import { runRuntimeContract } from './contract/runtime-contract.js';

runRuntimeContract(
  'embedded bus + memory store',
  async () => {
    const bus = new EmbeddedBus({ retryBackoffMs: 20, maxBatchRecords: 37 });
    const store = new MemoryStore();
    return {
      bus,
      store,
      loseStore: async () => store.clear(),
      cleanup: async () => {
        await bus.close();
        await store.close();
      },
    };
  },
  20_000,
);
