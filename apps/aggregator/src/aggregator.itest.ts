import { KafkaBus } from '@cityops/bus';
import { RedisStore } from '@cityops/store';
import { realInfra, uniqueName } from '@cityops/testkit';
import { effectivelyOnceSuite } from './test/effectively-once.js';

effectivelyOnceSuite('real Kafka and Redis', async () => {
  const infra = realInfra();
  const bus = await KafkaBus.connect({
    brokers: infra.kafkaBrokers,
    clientId: uniqueName('agg-test'),
    retryBackoffMs: 200,
  });
  const store = new RedisStore({ url: infra.redisUrl, keyPrefix: uniqueName('agg-test') });
  return {
    bus,
    store,
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
});
