import { KafkaBus } from '@cityops/bus';
import { RedisStore } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { crashSuite } from './test/crash-suite.js';

crashSuite('real Kafka and Redis', async () => {
  const infra = realInfra();
  const bus = await KafkaBus.connect({
    brokers: infra.kafkaBrokers,
    clientId: uniqueName('det-test'),
    retryBackoffMs: 200,
  });
  const keyPrefix = uniqueName('det-test');
  const store = new RedisStore({ url: infra.redisUrl, keyPrefix });
  return {
    bus,
    store,
    close: async () => {
      await bus.close();
      await store.close();
      await deleteByPrefix(infra.redisUrl, keyPrefix);
    },
  };
});
