/**
 * The bus port. Two implementations hold to the same contract (see SPEC.md, rules B1..):
 * `KafkaBus` (kafkajs, distributed mode) and `EmbeddedBus` (in-process log, embedded mode).
 * Offsets are plain numbers: the position of a record in its partition, starting at 0.
 */

/** A record to publish. Records with the same key go to the same partition, in order. */
export interface BusRecord {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

/** A record as consumed: where it sits in the log. */
export interface ConsumedRecord extends BusRecord {
  topic: string;
  partition: number;
  offset: number;
  /** time the record was appended (epoch ms) */
  timestamp: number;
}

/** Consecutive records of one partition, in offset order. */
export interface RecordBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** the offset after the last record of this batch: what a consumer commits */
  nextOffset: number;
  /** the partition's end offset when the batch was fetched (lag = highWatermark - nextOffset) */
  highWatermark: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

export interface SubscribeOptions {
  /** consumer group: members share the partitions; committed offsets are per group */
  groupId: string;
  topics: string[];
  /** where a partition without a committed offset starts: the beginning (default) or the end */
  fromBeginning?: boolean;
  /**
   * Called with one partition's batch at a time, never concurrently for the same partition.
   * When it resolves, the batch's `nextOffset` is committed for the group (if autoCommit).
   * When it rejects, nothing is committed and the batch is delivered again.
   */
  eachBatch: (batch: RecordBatch) => Promise<void>;
  /** commit after each batch (default true); with false the group's offsets are never advanced */
  autoCommit?: boolean;
  /**
   * Where a partition starts, asked each time it is assigned to this member (first join and
   * every rebalance; SPEC B15). Overrides committed offsets and `fromBeginning`. The first batch
   * of the assignment starts at the returned offset, or at the log start offset if that is
   * higher (retention removed records), or waits for new records if it is at or past the end.
   * A rejection is logged and retried after the retry backoff; nothing of the partition is
   * delivered before it resolved.
   */
  startAt?: (topic: string, partition: number) => Promise<number>;
  /**
   * Called when an assignment of a partition to this member ends (SPEC B16): at every rebalance
   * (for each partition the member held) and on stop, after the partition's in-flight batch
   * finished. Not awaited.
   */
  onRevoke?: (topic: string, partition: number) => void;
}

export interface ReplayOptions {
  topic: string;
  /** first offset per partition; partitions not named start at 0 */
  fromOffsets?: Record<number, number>;
  eachBatch: (batch: RecordBatch) => Promise<void>;
}

export interface Subscription {
  /** stops consuming; in-flight batches finish first */
  stop(): Promise<void>;
}

export interface ReplaySubscription extends Subscription {
  /** resolves once every partition reached the end offset it had when the replay started */
  readonly done: Promise<void>;
}

export interface BusHealth {
  ok: boolean;
  detail?: string;
}

export interface Bus {
  readonly kind: 'kafka' | 'embedded';
  /** creates missing topics with the given partition counts; existing topics are left as they are */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** appends records; resolves once they are durable in the log (acks=all for Kafka) */
  publish(topic: string, records: BusRecord[]): Promise<void>;
  /** consumes as a member of a group, resuming from the group's committed offsets */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** reads a topic from given offsets without a group and without committing anything */
  replay(options: ReplayOptions): Promise<ReplaySubscription>;
  /** the group's committed offsets for a topic, by partition (next offset to read) */
  committedOffsets(groupId: string, topic: string): Promise<Record<number, number>>;
  /** end offsets of a topic, by partition */
  endOffsets(topic: string): Promise<Record<number, number>>;
  /** log start offsets of a topic (the first offset still held), by partition (SPEC B17) */
  startOffsets(topic: string): Promise<Record<number, number>>;
  /**
   * Per partition, the earliest offset whose append timestamp is at or after `timestamp`
   * (epoch ms); the end offset where there is none (SPEC B18).
   */
  offsetsForTime(topic: string, timestamp: number): Promise<Record<number, number>>;
  health(): Promise<BusHealth>;
  close(): Promise<void>;
}
