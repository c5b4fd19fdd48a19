import { KafkaBus } from '@cityops/bus';
import { RedisStore } from '@cityops/store';
import { deleteByPrefix, keysByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { Redis } from 'ioredis';
import { replaySuite } from './test/replay-suite.js';

replaySuite(
  'real Kafka and Redis',
  async () => {
    const infra = realInfra();
    // as the gateway's replay client (main.ts): every partition consumed at once, so that one paced
    // partition holding its batch does not hold the others
    const bus = await KafkaBus.connect({
      brokers: infra.kafkaBrokers,
      clientId: uniqueName('replay-test'),
      partitionsConsumedConcurrently: 3,
    });
    const keyPrefix = uniqueName('replay-test');
    const store = new RedisStore({ url: infra.redisUrl, keyPrefix });
    const admin = new Redis(infra.redisUrl, { maxRetriesPerRequest: 1 });
    return {
      bus,
      store,
      namespaceGone: async (group) => {
        const tag = `{${keyPrefix}:${encodeURIComponent(group)}}`;
        return (await keysByPrefix(admin, keyPrefix)).every((k) => !k.startsWith(tag));
      },
      close: async () => {
        await bus.close();
        await store.close();
        await deleteByPrefix(infra.redisUrl, keyPrefix);
        admin.disconnect();
      },
    };
  },
  60_000,
);
