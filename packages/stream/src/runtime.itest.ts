import { KafkaBus } from '@cityops/bus';
import { RedisStore } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { runRuntimeContract } from './contract/runtime-contract.js';

const { kafkaBrokers, redisUrl } = realInfra();

runRuntimeContract(
  'Kafka + Redis',
  async () => {
    const keyPrefix = uniqueName('rt-it');
    const bus = await KafkaBus.connect({ brokers: kafkaBrokers, clientId: uniqueName('rt'), retryBackoffMs: 100 });
    const store = new RedisStore({ url: redisUrl, keyPrefix });
    return {
      bus,
      store,
      loseStore: async () => void (await deleteByPrefix(redisUrl, keyPrefix)),
      cleanup: async () => {
        await bus.close();
        await store.close();
        await deleteByPrefix(redisUrl, keyPrefix);
      },
    };
  },
  90_000,
);
