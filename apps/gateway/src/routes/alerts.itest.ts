import { KafkaBus } from '@cityops/bus';
import { RedisStore } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { alertsApiSuite } from '../test/alerts-api-suite.js';

const { kafkaBrokers, redisUrl } = realInfra();

// real Kafka + Redis: the desk runs beside, the gateway reads it as a remote desk (store + topics)
alertsApiSuite('real Kafka + Redis', async () => {
  const keyPrefix = uniqueName('alerts-api-it');
  const bus = await KafkaBus.connect({
    brokers: kafkaBrokers,
    clientId: uniqueName('alerts-api'),
    retryBackoffMs: 100,
  });
  const store = new RedisStore({ url: redisUrl, keyPrefix });
  return {
    ports: {
      bus,
      store,
      close: async () => {
        await bus.close();
        await store.close();
        await deleteByPrefix(redisUrl, keyPrefix);
      },
    },
  };
});
