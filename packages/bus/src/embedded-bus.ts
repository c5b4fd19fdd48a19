import { CityopsError, ErrorCodes } from '@cityops/schema';
import { EmbeddedGroup, type GroupMember } from './embedded-group.js';
import { consoleBusLogger, type BusLogger } from './logger.js';
import { PartitionLog, type RetentionLimits } from './partition-log.js';
import { partitionForKey } from './partitioner.js';
import { PartitionWorker } from './partition-worker.js';
import type {
  Bus,
  BusHealth,
  BusRecord,
  RecordBatch,
  ReplayOptions,
  ReplaySubscription,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './port.js';

export interface EmbeddedBusOptions {
  /**
   * Records kept per partition (at least this many; whole segments of up to 4096 records are
   * dropped from the front, so the log start offset advances as in Kafka). A segment that a live
   * group member has not delivered past stays, up to the hard caps below. Default 100,000.
   */
  retentionRecords?: number;
  /**
   * Hard cap on records held per partition, also against lagging live members: past it the
   * oldest segments go and each group counts what it lost (`lostRecords`). At least
   * `retentionRecords`. Default 5 x retentionRecords.
   */
  maxRetainedRecords?: number;
  /** Hard cap on key + value bytes (UTF-8) held per partition, same effect. Default 64 MiB. */
  maxRetainedBytes?: number;
  /** most records in one batch. Default 5,000. */
  maxBatchRecords?: number;
  /** wait before a rejected batch is delivered again. Default 200 ms. */
  retryBackoffMs?: number;
  logger?: BusLogger;
}

/**
 * The bus as an in-process log for embedded mode: a product mode with Kafka's semantics
 * (partitions, murmur2 key partitioning, per-partition offsets, consumer groups with committed
 * offsets, replay, retention), not a mock. Nothing survives the process.
 */
export class EmbeddedBus implements Bus {
  readonly kind = 'embedded' as const;
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, EmbeddedGroup>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly retention: RetentionLimits;
  private readonly maxBatchRecords: number;
  private readonly retryBackoffMs: number;
  private readonly logger: BusLogger;
  private nextMemberId = 1;
  private nextRoundRobin = 0;
  private closed = false;

  constructor(options: EmbeddedBusOptions = {}) {
    const retentionRecords = positiveInt(options.retentionRecords ?? 100_000, 'retentionRecords');
    const maxRetainedRecords = positiveInt(options.maxRetainedRecords ?? 5 * retentionRecords, 'maxRetainedRecords');
    if (maxRetainedRecords < retentionRecords) {
      throw new RangeError(
        `maxRetainedRecords (${maxRetainedRecords}) must be at least retentionRecords (${retentionRecords})`,
      );
    }
    const maxRetainedBytes = positiveInt(options.maxRetainedBytes ?? 64 * 1024 * 1024, 'maxRetainedBytes');
    this.retention = { retentionRecords, maxRetainedRecords, maxRetainedBytes };
    this.maxBatchRecords = positiveInt(options.maxBatchRecords ?? 5_000, 'maxBatchRecords');
    this.retryBackoffMs = Math.max(0, options.retryBackoffMs ?? 200);
    this.logger = options.logger ?? consoleBusLogger;
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const { topic, partitions } of topics) {
      positiveInt(partitions, `partitions of ${topic}`);
      if (this.topics.has(topic)) continue;
      this.topics.set(
        topic,
        Array.from({ length: partitions }, (_, p) => new PartitionLog(topic, p, this.retention)),
      );
    }
  }

  async publish(topic: string, records: BusRecord[]): Promise<void> {
    this.assertOpen();
    const logs = this.logsOf(topic);
    const now = Date.now();
    for (const record of records) {
      // Keyless records spread round-robin, as kafkajs does for records without a key.
      const partition =
        record.key === null ? this.nextRoundRobin++ % logs.length : partitionForKey(record.key, logs.length);
      logs[partition]!.append(record, now);
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    if (!options.groupId) throw new TypeError('subscribe needs a groupId');
    if (options.topics.length === 0) throw new TypeError('subscribe needs at least one topic');
    for (const topic of options.topics) this.logsOf(topic);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new EmbeddedGroup(options.groupId, {
        logsOf: (t) => this.logsOf(t),
        maxBatchRecords: this.maxBatchRecords,
        retryBackoffMs: this.retryBackoffMs,
        logger: this.logger,
      });
      this.groups.set(options.groupId, group);
    }
    const member: GroupMember = { id: this.nextMemberId++, options };
    await group.join(member);
    const joined = group;
    let stopping: Promise<void> | undefined;
    const subscription: Subscription = {
      stop: () => {
        stopping ??= joined.leave(member).then(() => {
          this.subscriptions.delete(subscription);
        });
        return stopping;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async replay(options: ReplayOptions): Promise<ReplaySubscription> {
    this.assertOpen();
    const logs = this.logsOf(options.topic);
    let pending = 0;
    let markDone!: () => void;
    const done = new Promise<void>((resolve) => (markDone = resolve));
    const workers = logs.map((log) => {
      const target = log.endOffset;
      const start = Math.max(options.fromOffsets?.[log.partition] ?? 0, log.startOffset);
      let reached = start >= target;
      if (!reached) pending++;
      return new PartitionWorker({
        log,
        start,
        holdsRetention: false,
        maxBatchRecords: this.maxBatchRecords,
        retryBackoffMs: this.retryBackoffMs,
        eachBatch: options.eachBatch,
        afterBatch: (batch: RecordBatch) => {
          if (reached || batch.nextOffset < target) return;
          reached = true;
          if (--pending === 0) markDone();
        },
        logger: this.logger,
        what: `replay of ${options.topic}`,
      });
    });
    if (pending === 0) markDone();
    let stopping: Promise<void> | undefined;
    const subscription: ReplaySubscription = {
      done,
      stop: () => {
        stopping ??= Promise.all(workers.map((w) => w.stop())).then(() => {
          this.subscriptions.delete(subscription);
        });
        return stopping;
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async committedOffsets(groupId: string, topic: string): Promise<Record<number, number>> {
    this.assertOpen();
    return this.groups.get(groupId)?.committedOffsets(topic) ?? {};
  }

  async endOffsets(topic: string): Promise<Record<number, number>> {
    this.assertOpen();
    return Object.fromEntries(this.logsOf(topic).map((log) => [log.partition, log.endOffset]));
  }

  async startOffsets(topic: string): Promise<Record<number, number>> {
    this.assertOpen();
    return Object.fromEntries(this.logsOf(topic).map((log) => [log.partition, log.startOffset]));
  }

  async offsetsForTime(topic: string, timestamp: number): Promise<Record<number, number>> {
    this.assertOpen();
    return Object.fromEntries(this.logsOf(topic).map((log) => [log.partition, log.offsetForTime(timestamp)]));
  }

  /**
   * Records of `topic` that `groupId` never got because retention had dropped them when its
   * member was about to read them (the hard caps against a lagging live member, or a group that
   * came back, or a `startAt` below the log start), by partition; partitions without loss are
   * left out. Each lost offset counts once per group.
   */
  lostRecords(groupId: string, topic: string): Record<number, number> {
    return this.groups.get(groupId)?.lostRecords(topic) ?? {};
  }

  async health(): Promise<BusHealth> {
    return this.closed ? { ok: false, detail: 'embedded bus is closed' } : { ok: true, detail: 'embedded' };
  }

  /** stops every subscription (in-flight batches finish) and rejects further use */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  private logsOf(topic: string): PartitionLog[] {
    const logs = this.topics.get(topic);
    if (!logs) {
      throw new CityopsError(
        ErrorCodes.BUS_UNAVAILABLE,
        `topic "${topic}" does not exist on the embedded bus (ensureTopics creates it)`,
        { topic },
      );
    }
    return logs;
  }

  private assertOpen(): void {
    if (this.closed) throw new CityopsError(ErrorCodes.BUS_CLOSED, 'the embedded bus is closed');
  }
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}
