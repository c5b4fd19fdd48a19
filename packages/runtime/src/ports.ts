import { EmbeddedBus, KafkaBus, type Bus } from '@cityops/bus';
import type { Config } from '@cityops/config';
import { CityopsError, DEFAULT_PARTITIONS, ErrorCodes, type TopicName } from '@cityops/schema';
import { MemoryStore, RedisStore, type Store } from '@cityops/store';
import { busLoggerOf } from './bus-logger.js';
import { createLogger, loggerOptionsFor, type Logger } from './log.js';

/** Records kept per partition by the embedded bus. */
export const EMBEDDED_RETENTION_RECORDS = 20_000;
/** Bytes (keys + values) one partition of the embedded bus may hold for a consumer behind. */
export const EMBEDDED_MAX_PARTITION_BYTES = 16 * 1024 * 1024;

export interface Ports {
  bus: Bus;
  store: Store;
}

/** Closes the bus and the store; both are attempted even if the first fails. */
export async function closePorts(ports: Ports): Promise<void> {
  const results = await Promise.allSettled([ports.bus.close(), ports.store.close()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Opens the bus and the store for the configured mode: Kafka + Redis when distributed,
 * the embedded log + memory store otherwise. Fails fast (seconds) with a code naming what
 * could not be reached (never printing a secret: the Redis URL only as the store redacts it).
 * Creates the project's topics if they are missing. The bus reports what it recovers from
 * through `log` (by default a logger named `clientId`, with the config's level and secrets).
 */
export async function openPorts(
  config: Config,
  clientId: string,
  log: Logger = createLogger(clientId, loggerOptionsFor(config)),
): Promise<Ports> {
  const logger = busLoggerOf(log);
  let bus: Bus;
  let store: Store;
  if (config.mode === 'distributed') {
    bus = await KafkaBus.connect({
      brokers: config.KAFKA_BROKERS!,
      clientId: `${config.KAFKA_CLIENT_ID}-${clientId}`,
      logger,
    });
    try {
      store = new RedisStore({ url: config.REDIS_URL!, keyPrefix: config.REDIS_KEY_PREFIX });
      const health = await store.health();
      if (!health.ok) {
        await store.close();
        // the detail names the server by its redacted URL
        throw new CityopsError(
          ErrorCodes.STORE_UNAVAILABLE,
          `REDIS_URL is unreachable: ${health.detail ?? 'no answer'}`,
        );
      }
    } catch (err) {
      await bus.close();
      throw err;
    }
  } else {
    // one process keeps the whole log in memory: enough history for the in-process consumers to
    // catch up after a pause (20k records per partition, ~160k in all), bounded so that memory
    // stays flat over days. Records a live consumer has not read are kept past that, up to 5x the
    // records or 16 MiB per partition (17 partitions: under 300 MiB); beyond, the loss is counted
    // and shown (E_STREAM_RECORDS_LOST), never silent.
    bus = new EmbeddedBus({
      retentionRecords: EMBEDDED_RETENTION_RECORDS,
      maxRetainedBytes: EMBEDDED_MAX_PARTITION_BYTES,
      logger,
    });
    store = new MemoryStore();
  }
  await bus.ensureTopics(
    (Object.entries(DEFAULT_PARTITIONS) as Array<[TopicName, number]>).map(([topic, partitions]) => ({
      topic,
      partitions,
    })),
  );
  return { bus, store };
}
