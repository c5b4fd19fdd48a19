import { EmbeddedBus } from '@cityops/bus';
import { MemoryStore } from '@cityops/store';
import { crashSuite } from './test/crash-suite.js';

crashSuite('the embedded bus and memory store', async () => {
  const bus = new EmbeddedBus();
  const store = new MemoryStore();
  return {
    bus,
    store,
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
});
