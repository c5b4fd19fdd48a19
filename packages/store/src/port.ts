/**
 * The store port. Two implementations hold to the same contract (see SPEC.md, rules S1..):
 * `RedisStore` (ioredis, distributed mode) and `MemoryStore` (embedded mode).
 *
 * Vital signs are counters in time buckets keyed by event time. The aggregator applies one
 * partition's batch at a time: the counter increments *and* the offsets that produced them go
 * in together, atomically (DESIGN.md decision 3), so a crash never loses or double-counts.
 */

/** Add `by` to counter `field` of the bucket that starts at `bucket` (epoch ms). */
export interface CounterIncrement {
  bucket: number;
  field: string;
  by: number;
}

export interface StageBatch {
  /** the consumer group whose progress this is; offsets and watermarks are kept per group */
  group: string;
  topic: string;
  partition: number;
  /** offset of the first record the batch covers (records before it were applied earlier) */
  fromOffset: number;
  /** offset after the last record the batch covers; stored as the partition's next offset */
  nextOffset: number;
  increments: CounterIncrement[];
  /** the partition's event-time watermark after this batch (epoch ms); stored as a max */
  watermark: number | null;
  /** events dropped while building the batch, by reason code; added to running totals */
  dropped: Record<string, number>;
}

export type ApplyResult = 'applied' | 'duplicate';

/** The answer to claiming one event id: see `Store.claimEventIds`. */
export type ClaimResult = 'claimed' | 'pending' | 'duplicate';

export interface PartitionProgress {
  nextOffset: number;
  watermark: number | null;
}

export interface VitalsRead {
  /** counters of every bucket in [fromBucket, toBucket], by bucket start */
  buckets: Map<number, Record<string, number>>;
  /** per-partition progress of the group, keyed `topic:partition` */
  progress: Record<string, PartitionProgress>;
  /** wall-clock time (epoch ms) of the group's last applied batch, or null */
  updatedAt: number | null;
  dropped: Record<string, number>;
}

export interface StoreHealth {
  ok: boolean;
  detail?: string;
}

export interface Store {
  readonly kind: 'redis' | 'memory';
  /**
   * Applies a batch atomically with its offsets.
   * - stored nextOffset >= batch.nextOffset: nothing changes, returns 'duplicate' (a replayed batch);
   * - stored nextOffset > batch.fromOffset (a partial overlap): throws CityopsError E_STORE_OFFSET_CONFLICT,
   *   nothing changes; the caller re-reads its progress and rebuilds the batch;
   * - otherwise all increments, the offset, the watermark (max) and the dropped counts are applied together.
   */
  applyBatch(batch: StageBatch): Promise<ApplyResult>;
  /** the group's progress for every partition it has applied, keyed `topic:partition` */
  readProgress(group: string): Promise<Record<string, PartitionProgress>>;
  /** counters of buckets in [fromBucket, toBucket] plus the group's progress and freshness */
  readVitals(group: string, fromBucket: number, toBucket: number): Promise<VitalsRead>;
  /**
   * Claims event ids for deduplication (ids are `source/id`), in two phases, atomically per id
   * across processes. A free id becomes a *pending* claim for `pendingTtlMs` and answers
   * 'claimed'; an id pending under another claim answers 'pending' (its event is being published,
   * or its publisher died: the claim lapses after `pendingTtlMs`); a confirmed id answers
   * 'duplicate'. Pending claims are what keep a crash between claim and publish from turning the
   * source's retry into a dropped "duplicate".
   */
  claimEventIds(ids: string[], pendingTtlMs: number): Promise<ClaimResult[]>;
  /** marks claimed ids as published: duplicates of them for the next `ttlMs` */
  confirmEventIds(ids: string[], ttlMs: number): Promise<void>;
  /** forgets claims, so that a source may retry events whose publish failed */
  releaseEventIds(ids: string[]): Promise<void>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
