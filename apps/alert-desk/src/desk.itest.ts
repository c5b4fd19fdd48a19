import { KafkaBus } from '@cityops/bus';
import { RedisStore } from '@cityops/store';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { Redis } from 'ioredis';
import { deskSuite } from './test/desk-suite.js';

const { kafkaBrokers, redisUrl } = realInfra();

deskSuite(
  'real Kafka + Redis',
  async () => {
    const keyPrefix = uniqueName('desk-it');
    const bus = await KafkaBus.connect({ brokers: kafkaBrokers, clientId: uniqueName('desk'), retryBackoffMs: 100 });
    const store = new RedisStore({ url: redisUrl, keyPrefix });
    return {
      bus,
      store,
      // the key layout of packages/store (README: one HASH per partition of a group's keyed state)
      tamper: async (group, topic, partition, key, value) => {
        const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
        try {
          const hash = `{${keyPrefix}:${encodeURIComponent(group)}}:st:${encodeURIComponent(topic)}:${partition}`;
          if ((await redis.hexists(hash, key)) !== 1) throw new Error(`no stored ${key} in ${hash}`);
          await redis.hset(hash, key, value);
        } finally {
          redis.disconnect();
        }
      },
      loseStore: async () => void (await deleteByPrefix(redisUrl, keyPrefix)),
      cleanup: async () => {
        await bus.close();
        await store.close();
        await deleteByPrefix(redisUrl, keyPrefix);
      },
    };
  },
  60_000,
);
