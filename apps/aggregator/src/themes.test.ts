import { EmbeddedBus } from '@cityops/bus';
import { MemoryStore } from '@cityops/store';
import { themesSuite } from './test/themes-suite.js';

themesSuite('the embedded bus and memory store', async () => {
  const bus = new EmbeddedBus();
  const store = new MemoryStore();
  return {
    bus,
    store,
    loseStore: async () => store.clear(),
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
});
