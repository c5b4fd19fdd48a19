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

/** A record a stage emits: published by the outbox relay after the batch that made it is applied. */
export interface OutboxRecord {
  /** unique per input range (`group/topic/partition/offset/n`): consumers dedupe by it */
  id: string;
  topic: string;
  key: string | null;
  value: string;
}

export interface StageBatch {
  /** the consumer group whose progress this is; offsets, watermarks and state are kept per group */
  group: string;
  topic: string;
  partition: number;
  /**
   * The group's epoch as `openEpoch` returned it when the partition was assigned. If the store no
   * longer holds that epoch (its data was lost, e.g. FLUSHALL), nothing is applied and the call
   * throws `E_STORE_STATE_LOST`: the caller must rebuild instead of writing onto an empty store.
   */
  epoch: string;
  /** offset of the first record the batch covers (records before it were applied earlier) */
  fromOffset: number;
  /** offset after the last record the batch covers; stored as the partition's next offset */
  nextOffset: number;
  increments: CounterIncrement[];
  /**
   * Gauges of the group to move (`field` += `by`), with the offsets: unlike bucket counters they
   * never expire, and a gauge that comes back to 0 is removed (S21). Stages keep "current value"
   * aggregates in them (the themes: a sensor's contribution moved when its latest value changes).
   */
  gauges?: Array<{ field: string; by: number }>;
  /** the partition's event-time watermark after this batch (epoch ms); stored as a max */
  watermark: number | null;
  /** events dropped while building the batch, by reason code; added to running totals */
  dropped: Record<string, number>;
  /** keyed state of this partition to write (`[key, value]`) and to delete, with the offsets */
  stateSet?: Array<[string, string]>;
  stateDel?: string[];
  /** records to publish once applied, appended to the group's outbox in the same atomic step */
  outbox?: OutboxRecord[];
  /**
   * Records between the stored next offset and `fromOffset` are gone from the log (retention):
   * apply anyway and count `fromOffset - stored` under `E_STREAM_RECORDS_LOST`. Without it a gap
   * is refused (`E_STORE_OFFSET_GAP`), never applied silently.
   */
  acceptGap?: boolean;
}

export type ApplyResult = 'applied' | 'duplicate';

/** The answer to claiming one event id: see `Store.claimEventIds`. */
export type ClaimResult = 'claimed' | 'pending' | 'duplicate' | LapsedClaim;

/**
 * The id is now claimed by the caller, but it took over another owner's pending claim whose lease
 * ran out (that publisher died or stalled mid-publish): the event may already be on the topic,
 * appended at or after `lapsedSince` (epoch ms, when the lapsed claim was taken). The caller looks
 * before publishing (packages/ingest does).
 */
export interface LapsedClaim {
  lapsedSince: number;
}

/** Who holds a pending claim, and for how long unless renewed: see `Store.claimEventIds`. */
export interface ClaimLease {
  /** unique per claiming call (e.g. ingestor instance + call number); only it may renew, confirm or release */
  owner: string;
  /** a pending claim lapses this long after it was taken or last renewed */
  leaseMs: number;
}

export interface PartitionProgress {
  nextOffset: number;
  watermark: number | null;
}

/** The group's epoch: `created` when the store held none (a new group, or its data was lost). */
export interface GroupEpoch {
  epoch: string;
  created: boolean;
}

export interface VitalsRead {
  /** counters of every bucket in [fromBucket, toBucket], by bucket start */
  buckets: Map<number, Record<string, number>>;
  /** per-partition progress of the group, keyed `topic:partition` */
  progress: Record<string, PartitionProgress>;
  /** wall-clock time (epoch ms) of the group's last applied batch, or null */
  updatedAt: number | null;
  dropped: Record<string, number>;
  /** true while some partition of the group is being rebuilt from the log (`markRebuild`) */
  rebuilding: boolean;
}

export interface StoreHealth {
  ok: boolean;
  detail?: string;
}

export interface Store {
  readonly kind: 'redis' | 'memory';
  /**
   * Applies a batch atomically with its offsets, its keyed state and its outbox records.
   * - the store's epoch for the group is not `batch.epoch`: throws E_STORE_STATE_LOST, nothing changes;
   * - stored nextOffset >= batch.nextOffset: nothing changes, returns 'duplicate' (a replayed batch);
   * - stored nextOffset > batch.fromOffset (a partial overlap): throws CityopsError E_STORE_OFFSET_CONFLICT,
   *   nothing changes; the caller re-reads its progress and rebuilds the batch;
   * - stored nextOffset < batch.fromOffset (a gap) without `acceptGap`: throws E_STORE_OFFSET_GAP;
   * - otherwise everything is applied together.
   */
  applyBatch(batch: StageBatch): Promise<ApplyResult>;
  /**
   * The group's epoch, created if the store holds none. A created epoch means there is no state to
   * resume from: a new group, or a store that lost its data; the caller rebuilds from the log.
   */
  openEpoch(group: string): Promise<GroupEpoch>;
  /** the keyed state of one partition of the group, as the applied batches left it */
  readState(group: string, topic: string, partition: number): Promise<Map<string, string>>;
  /** up to `max` outbox records of the group, oldest first */
  readOutbox(group: string, max: number): Promise<OutboxRecord[]>;
  /** removes outbox records from the oldest up to and including `lastId` (published); a no-op if absent */
  ackOutbox(group: string, lastId: string): Promise<void>;
  /** how many records the group's outbox holds */
  outboxSize(group: string): Promise<number>;
  /**
   * Marks a partition as being rebuilt from the log until its next offset reaches `untilOffset`;
   * `readVitals().rebuilding` is true meanwhile. Applying a batch that reaches it clears the mark.
   */
  markRebuild(group: string, topic: string, partition: number, untilOffset: number): Promise<void>;
  /** the group's progress for every partition it has applied, keyed `topic:partition` */
  readProgress(group: string): Promise<Record<string, PartitionProgress>>;
  /** the group's gauges (S21): field -> value, without the fields at 0 */
  readGauges(group: string): Promise<Record<string, number>>;
  /** counters of buckets in [fromBucket, toBucket] plus the group's progress and freshness */
  readVitals(group: string, fromBucket: number, toBucket: number): Promise<VitalsRead>;
  /**
   * Claims event ids for deduplication (ids are `source/id`), in two phases, atomically per id
   * across processes (SPEC.md S12). A free id becomes a *pending* claim of `lease.owner` for
   * `lease.leaseMs` and answers 'claimed'; an id pending under another owner's live lease answers
   * 'pending' (its event is being published); a confirmed id answers 'duplicate'. An id whose
   * owner's lease ran out unrenewed (its publisher died) is taken over and answers a `LapsedClaim`:
   * claimed, but its event may be on the topic already. A lapsed claim is remembered for
   * `CLAIM_GRACE_MS` after its lease; after that the id is free. An id repeated within one call is
   * 'pending' the second time.
   */
  claimEventIds(ids: string[], lease: ClaimLease): Promise<ClaimResult[]>;
  /**
   * Extends the owner's pending claims by `lease.leaseMs` (an id whose lease lapsed and that
   * nobody claimed since is taken again). Per id: true if it is now pending under the owner,
   * false (nothing changed) if another owner holds it or it is confirmed.
   */
  renewEventIds(ids: string[], lease: ClaimLease): Promise<boolean[]>;
  /**
   * Marks ids as published by `owner`: duplicates for the next `ttlMs`. Compare-and-set per id:
   * confirmed (true) if the owner's pending claim holds it, or nothing does (its lease lapsed and
   * nobody claimed it since), or the owner confirmed it already; false, changing nothing, if
   * another owner holds it pending or confirmed.
   */
  confirmEventIds(ids: string[], owner: string, ttlMs: number): Promise<boolean[]>;
  /**
   * Frees the owner's pending claims, so that a source may resend events that were definitely not
   * published. Per id: true if it was the owner's pending claim; anything else is left unchanged.
   */
  releaseEventIds(ids: string[], owner: string): Promise<boolean[]>;
  /**
   * Deletes everything the store holds for the group (SPEC.md S20): counters, progress,
   * watermarks, dropped counts, epoch, keyed state, outbox and rebuild marks; other groups and the
   * event-id claims are untouched. Afterwards the group reads as new (`openEpoch` creates an epoch).
   * For throwaway namespaces (a replay's group): call it once the group's consumers have stopped.
   */
  dropGroup(group: string): Promise<void>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
