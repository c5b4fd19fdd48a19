import { KafkaBus } from '@cityops/bus';
import { RedisStore } from '@cityops/store';
import { realInfra, uniqueName } from '@cityops/testkit';
import { Redis } from 'ioredis';
import { runRuntimeContract } from './contract/runtime-contract.js';

const { kafkaBrokers, redisUrl } = realInfra();

runRuntimeContract(
  'Kafka + Redis',
  async () => {
    const keyPrefix = uniqueName('rt-it');
    const bus = await KafkaBus.connect({ brokers: kafkaBrokers, clientId: uniqueName('rt') });
    const store = new RedisStore({ url: redisUrl, keyPrefix });
    const deleteAll = async () => {
      const admin = new Redis(redisUrl);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `*${keyPrefix}*`, 'COUNT', 1000);
          if (keys.length) await admin.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
      }
    };
    return {
      bus,
      store,
      loseStore: deleteAll,
      cleanup: async () => {
        await bus.close();
        await store.close();
        await deleteAll();
      },
    };
  },
  90_000,
);
