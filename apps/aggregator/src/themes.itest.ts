import { KafkaBus } from '@cityops/bus';
import { RedisStore } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { themesSuite } from './test/themes-suite.js';

themesSuite('real Kafka and Redis', async () => {
  const infra = realInfra();
  const bus = await KafkaBus.connect({
    brokers: infra.kafkaBrokers,
    clientId: uniqueName('themes-test'),
    retryBackoffMs: 200,
  });
  const keyPrefix = uniqueName('themes-test');
  const store = new RedisStore({ url: infra.redisUrl, keyPrefix });
  return {
    bus,
    store,
    loseStore: async () => void (await deleteByPrefix(infra.redisUrl, keyPrefix)),
    close: async () => {
      await bus.close();
      await store.close();
      await deleteByPrefix(infra.redisUrl, keyPrefix);
    },
  };
});
