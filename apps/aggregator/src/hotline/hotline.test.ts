import { EmbeddedBus } from '@cityops/bus';
import { HOTLINE_MONTH_TTL_MS, HOTLINE_ROLLING_TTL_MS } from '@cityops/hotline-kpis';
import { MemoryStore } from '@cityops/store';
import { hotlineKpiSuite } from './test/kpi-suite.js';

hotlineKpiSuite('the embedded bus and memory stores', async () => {
  const bus = new EmbeddedBus();
  const store = new MemoryStore();
  const stores = {
    month: new MemoryStore({ bucketTtlMs: HOTLINE_MONTH_TTL_MS }),
    rolling: new MemoryStore({ bucketTtlMs: HOTLINE_ROLLING_TTL_MS }),
  };
  return {
    bus,
    store,
    stores,
    loseStores: async () => {
      store.clear();
      stores.month.clear();
      stores.rolling.clear();
    },
    close: async () => {
      await bus.close();
      await Promise.all([store.close(), stores.month.close(), stores.rolling.close()]);
    },
  };
});
