import { KafkaBus } from '@cityops/bus';
import { HOTLINE_MONTH_TTL_MS, HOTLINE_ROLLING_TTL_MS } from '@cityops/hotline-kpis';
import { RedisStore } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { hotlineKpiSuite } from './test/kpi-suite.js';

hotlineKpiSuite('real Kafka and Redis', async () => {
  const infra = realInfra();
  const bus = await KafkaBus.connect({
    brokers: infra.kafkaBrokers,
    clientId: uniqueName('hl-test'),
    retryBackoffMs: 200,
  });
  const keyPrefix = uniqueName('hl-test');
  const store = new RedisStore({ url: infra.redisUrl, keyPrefix });
  const stores = {
    month: new RedisStore({ url: infra.redisUrl, keyPrefix, bucketTtlMs: HOTLINE_MONTH_TTL_MS }),
    rolling: new RedisStore({ url: infra.redisUrl, keyPrefix, bucketTtlMs: HOTLINE_ROLLING_TTL_MS }),
  };
  return {
    bus,
    store,
    stores,
    loseStores: async () => void (await deleteByPrefix(infra.redisUrl, keyPrefix)),
    close: async () => {
      await bus.close();
      await Promise.all([store.close(), stores.month.close(), stores.rolling.close()]);
      await deleteByPrefix(infra.redisUrl, keyPrefix);
    },
  };
});
