import { Kafka, Partitioners, logLevel, type Admin, type Producer } from 'kafkajs';
import { busClosed, busUnavailable, withDeadline } from './kafka-errors.js';
import { startGroupMember, startReplay, type ConsumerContext, type ConsumerTuning } from './kafka-consumers.js';
import { quietKafkaLogCreator } from './kafka-logging.js';
import { retryTransient, type RetryPolicy } from './kafka-retry.js';
import { consoleBusLogger, describeError, type BusLogger } from './logger.js';
import type {
  Bus,
  BusHealth,
  BusRecord,
  ReplayOptions,
  ReplaySubscription,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './port.js';
import { PublishQueue } from './publish-queue.js';

export interface KafkaBusOptions {
  brokers: string[];
  /** default 'cityops' */
  clientId?: string;
  /** per connection attempt; with `retries` it bounds how long an unreachable broker takes to fail. Default 3,000 ms. */
  connectionTimeoutMs?: number;
  /** default 15,000 ms */
  requestTimeoutMs?: number;
  /** kafkajs retries per operation (backoff 100 ms doubling, at most 1 s). Default 3. */
  retries?: number;
  /** group session timeout; the broker accepts 6,000 ms at least. Default 10,000 ms. */
  sessionTimeoutMs?: number;
  /** default 1,000 ms */
  heartbeatIntervalMs?: number;
  /** how long the group waits for members to rejoin in a rebalance. Default 20,000 ms. */
  rebalanceTimeoutMs?: number;
  /** longest fetch wait when there is nothing to read; also how fast a member notices a rebalance. Default 500 ms. */
  maxWaitTimeMs?: number;
  /** wait before a rejected batch is delivered again. Default 500 ms. */
  retryBackoffMs?: number;
  /** partitions one member processes at once (never two batches of one partition). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** one publish is split into requests of at most this many records. Default 5,000. */
  maxRequestRecords?: number;
  /** ... and about this many bytes (below the broker's 1 MB message.max.bytes). Default 900,000. */
  maxRequestBytes?: number;
  /** health() gives up after this long. Default 2,000 ms. */
  healthTimeoutMs?: number;
  /**
   * How long connect, ensureTopics, subscribe, replay and the offset lookups keep retrying
   * transient broker answers (the coordinator is loading, not the coordinator, no leader yet:
   * common straight after a broker restart) before failing with E_BUS_UNAVAILABLE. Unreachable
   * brokers are not retried beyond `retries`. Default 60,000 ms.
   */
  transientRetryMs?: number;
  logger?: BusLogger;
}

/**
 * The bus on Apache Kafka through kafkajs, for distributed mode. Publishes go through one
 * idempotent producer (acks=all); each subscription is its own kafkajs consumer in the group.
 * Use `KafkaBus.connect(options)` to fail fast at start when the brokers are unreachable;
 * otherwise the first operation connects.
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly adminClient: Admin;
  private readonly queue: PublishQueue;
  private readonly consumers: ConsumerContext;
  private readonly subscriptions = new Set<Subscription>();
  private readonly brokers: string[];
  private readonly healthTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly logger: BusLogger;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(options: KafkaBusOptions) {
    if (options.brokers.length === 0) throw new TypeError('KafkaBus needs at least one broker');
    this.brokers = options.brokers;
    const logger = options.logger ?? consoleBusLogger;
    this.logger = logger;
    this.retry = { budgetMs: options.transientRetryMs ?? 60_000, initialBackoffMs: 200, maxBackoffMs: 2_000 };
    const clientId = options.clientId ?? 'cityops';
    this.healthTimeoutMs = options.healthTimeoutMs ?? 2_000;
    this.kafka = new Kafka({
      clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      // bounded, so that an unreachable broker fails within seconds instead of retrying for minutes
      retry: { retries: options.retries ?? 3, initialRetryTime: 100, maxRetryTime: 1_000 },
      logLevel: logLevel.WARN,
      logCreator: quietKafkaLogCreator(logger),
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      // kafkajs allows idempotence only with one request in flight; it also keeps order
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.adminClient = this.kafka.admin();
    this.queue = new PublishQueue(
      async (topicMessages) => {
        await this.producer.sendBatch({ topicMessages, acks: -1 });
      },
      { maxRecords: options.maxRequestRecords ?? 5_000, maxBytes: options.maxRequestBytes ?? 900_000 },
    );
    const tuning: ConsumerTuning = {
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 20_000,
      maxWaitTimeMs: options.maxWaitTimeMs ?? 500,
      retryBackoffMs: options.retryBackoffMs ?? 500,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    };
    this.consumers = {
      kafka: this.kafka,
      admin: async () => {
        await this.connect();
        return this.adminClient;
      },
      brokers: this.brokers,
      clientId,
      tuning,
      logger,
      endOffsets: (topic) => this.endOffsets(topic),
      offsetRange: (topic) => this.offsetRange(topic),
      retry: this.retry,
    };
  }

  /** creates a bus and connects it; rejects with E_BUS_UNAVAILABLE within seconds if no broker answers */
  static async connect(options: KafkaBusOptions): Promise<KafkaBus> {
    const bus = new KafkaBus(options);
    await bus.connect();
    return bus;
  }

  /** connects the producer and the admin client (once; a failed attempt is retried by the next call) */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(busClosed());
    this.connecting ??= Promise.all([
      this.transient('connect the producer', () => this.producer.connect()),
      this.transient('connect the admin client', () => this.adminClient.connect()),
    ]).then(
      () => undefined,
      async (err: unknown) => {
        this.connecting = undefined;
        await Promise.allSettled([this.producer.disconnect(), this.adminClient.disconnect()]);
        throw busUnavailable(this.brokers, 'connect', err);
      },
    );
    return this.connecting;
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    await this.connect();
    const names = topics.map((t) => t.topic);
    try {
      // create only what is missing: asking for an existing topic makes the broker answer with
      // an error that kafkajs logs, which would be noise at every start
      const existing = new Set(await this.transient('list topics', () => this.adminClient.listTopics()));
      const missing = topics.filter((t) => !existing.has(t.topic));
      if (missing.length) {
        await this.transient('create topics', () =>
          this.adminClient.createTopics({
            topics: missing.map(({ topic, partitions }) => ({ topic, numPartitions: partitions })),
            waitForLeaders: true,
          }),
        );
      }
      // createTopics answers before every broker's metadata knows the leaders; wait for them
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { topics: meta } = await this.transient('read topic metadata', () =>
          this.adminClient.fetchTopicMetadata({ topics: names }),
        );
        if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
        if (Date.now() > deadline) throw new Error(`topics ${names.join(', ')} have no leaders yet`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } catch (err) {
      throw busUnavailable(this.brokers, `ensure topics ${names.join(', ')}`, err);
    }
  }

  async publish(topic: string, records: BusRecord[]): Promise<void> {
    await this.connect();
    try {
      await this.queue.publish(topic, records);
    } catch (err) {
      throw busUnavailable(this.brokers, `publish ${records.length} records to ${topic}`, err);
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    await this.connect();
    if (!options.groupId) throw new TypeError('subscribe needs a groupId');
    if (options.topics.length === 0) throw new TypeError('subscribe needs at least one topic');
    return this.track(await startGroupMember(this.consumers, options));
  }

  async replay(options: ReplayOptions): Promise<ReplaySubscription> {
    await this.connect();
    return this.track(await startReplay(this.consumers, options));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Record<number, number>> {
    await this.connect();
    try {
      const [result] = await this.transient(`read committed offsets of ${groupId}`, () =>
        this.adminClient.fetchOffsets({ groupId, topics: [topic] }),
      );
      const out: Record<number, number> = {};
      // kafkajs reports "-1" for a partition the group never committed
      for (const { partition, offset } of result?.partitions ?? [])
        if (Number(offset) >= 0) out[partition] = Number(offset);
      return out;
    } catch (err) {
      throw busUnavailable(this.brokers, `read committed offsets of ${groupId}`, err);
    }
  }

  async endOffsets(topic: string): Promise<Record<number, number>> {
    const range = await this.offsetRange(topic);
    return Object.fromEntries(Object.entries(range).map(([p, r]) => [p, r.high]));
  }

  async startOffsets(topic: string): Promise<Record<number, number>> {
    const range = await this.offsetRange(topic);
    return Object.fromEntries(Object.entries(range).map(([p, r]) => [p, r.low]));
  }

  async offsetsForTime(topic: string, timestamp: number): Promise<Record<number, number>> {
    await this.connect();
    try {
      // kafkajs answers the end offset for a partition without a record at or after the time
      const offsets = await this.transient(`look up offsets of ${topic} by time`, () =>
        this.adminClient.fetchTopicOffsetsByTimestamp(topic, timestamp),
      );
      return Object.fromEntries(offsets.map((o) => [o.partition, Number(o.offset)]));
    } catch (err) {
      throw busUnavailable(this.brokers, `look up offsets of ${topic} by time`, err);
    }
  }

  async health(): Promise<BusHealth> {
    if (this.closed) return { ok: false, detail: 'Kafka bus is closed' };
    try {
      const cluster = await withDeadline(
        this.connect().then(() => this.adminClient.describeCluster()),
        this.healthTimeoutMs,
        () => new Error(`no answer within ${this.healthTimeoutMs} ms`),
      );
      return { ok: true, detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'unknown'}` };
    } catch (err) {
      return { ok: false, detail: `Kafka at ${this.brokers.join(',')}: ${describeError(err)}` };
    }
  }

  /** stops every subscription (in-flight batches finish), flushes queued publishes, disconnects */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    await this.queue.idle();
    await Promise.allSettled([this.producer.disconnect(), this.adminClient.disconnect()]);
  }

  /** log start (low) and end (high) offset per partition */
  private async offsetRange(topic: string): Promise<Record<number, { low: number; high: number }>> {
    await this.connect();
    try {
      const offsets = await this.transient(`read offsets of ${topic}`, () => this.adminClient.fetchTopicOffsets(topic));
      return Object.fromEntries(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
    } catch (err) {
      throw busUnavailable(this.brokers, `read offsets of ${topic}`, err);
    }
  }

  private transient<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryTransient(`Kafka at ${this.brokers.join(',')}: ${what}`, fn, this.retry, this.logger);
  }

  private track<S extends Subscription>(subscription: S): S {
    const stop = subscription.stop.bind(subscription);
    subscription.stop = async () => {
      await stop();
      this.subscriptions.delete(subscription);
    };
    this.subscriptions.add(subscription);
    return subscription;
  }
}
