import { randomUUID } from 'node:crypto';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import { conflict, gap, stateLost } from './errors.js';
import type {
  ApplyResult,
  GroupEpoch,
  OutboxRecord,
  PartitionProgress,
  Store,
  StoreHealth,
  StageBatch,
  VitalsRead,
  ClaimLease,
  ClaimResult,
} from './port.js';
import {
  CLAIM_GRACE_MS,
  invalidBatch,
  partitionKey,
  sumGauges,
  sumIncrements,
  validateBatch,
  validateClaim,
  validateOwner,
  validateRange,
} from './validate.js';

export interface MemoryStoreOptions {
  /** a bucket is forgotten this long after its last write, like a Redis PEXPIRE (default 2 h) */
  bucketTtlMs?: number;
  /** how often expired buckets and claims are swept out of memory (default min(ttl, 60 s)) */
  sweepIntervalMs?: number;
}

interface Bucket {
  counters: Map<string, number>;
  expiresAt: number;
}

interface GroupState {
  epoch: string | null;
  buckets: Map<number, Bucket>;
  progress: Map<string, PartitionProgress>;
  dropped: Map<string, number>;
  /** gauges (S21): never expire, removed at 0 */
  gauges: Map<string, number>;
  updatedAt: number | null;
  /** keyed state by `topic:partition` */
  state: Map<string, Map<string, string>>;
  outbox: OutboxRecord[];
  /** `topic:partition` -> offset a rebuild must reach */
  rebuildUntil: Map<string, number>;
}

/** A claim on an event id: pending under a lease until `until`, remembered until `expiresAt`. */
interface Claim {
  until: number;
  expiresAt: number;
  owner: string;
  confirmed: boolean;
  /** when the pending claim was first taken by its owner (renewals keep it) */
  takenAt: number;
}

function pendingClaim(lease: ClaimLease, now: number, takenAt: number): Claim {
  const until = now + lease.leaseMs;
  return { until, expiresAt: until + CLAIM_GRACE_MS, owner: lease.owner, confirmed: false, takenAt };
}

export const DEFAULT_BUCKET_TTL_MS = 2 * 60 * 60 * 1000;

/**
 * The embedded store: a product mode for `npm start` without Redis, with exactly the observable
 * semantics of `RedisStore` (SPEC.md). Atomicity comes for free because every operation runs
 * synchronously inside one turn of the event loop; expiry follows the wall clock like Redis, and
 * expired entries are invisible at once (lazy) and swept from memory periodically, so memory stays
 * flat however long the process runs.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly groups = new Map<string, GroupState>();
  /** source/id -> who holds it until when; pending until confirmed (SPEC.md S12) */
  private readonly claims = new Map<string, Claim>();
  private readonly ttlMs: number;
  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.ttlMs = options.bucketTtlMs ?? DEFAULT_BUCKET_TTL_MS;
    if (!(Number.isSafeInteger(this.ttlMs) && this.ttlMs > 0))
      throw new RangeError(`bucketTtlMs must be a positive integer, got ${this.ttlMs}`);
    const every = options.sweepIntervalMs ?? Math.min(this.ttlMs, 60_000);
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  async applyBatch(batch: StageBatch): Promise<ApplyResult> {
    this.assertOpen();
    validateBatch(batch);
    const now = Date.now();
    const state = this.group(batch.group);
    const key = partitionKey(batch.topic, batch.partition);
    if (state.epoch !== batch.epoch) throw stateLost(batch);
    const stored = state.progress.get(key);
    if (stored && stored.nextOffset >= batch.nextOffset) return 'duplicate';
    if (stored && stored.nextOffset > batch.fromOffset) throw conflict(batch, stored.nextOffset);
    const lost = stored && stored.nextOffset < batch.fromOffset ? batch.fromOffset - stored.nextOffset : 0;
    if (lost > 0 && !batch.acceptGap) throw gap(batch, stored!.nextOffset);
    const dropped =
      lost > 0
        ? {
            ...batch.dropped,
            [ErrorCodes.STREAM_RECORDS_LOST]: (batch.dropped[ErrorCodes.STREAM_RECORDS_LOST] ?? 0) + lost,
          }
        : batch.dropped;

    // Compute every new value before writing any, so that a counter leaving the safe range
    // rejects the whole batch, as the Redis script does.
    const sums = sumIncrements(batch);
    const values: number[] = [];
    for (const [start, fields] of sums) {
      const counters = this.liveBucket(state, start, now)?.counters;
      for (const [field, sum] of fields) values.push(checked((counters?.get(field) ?? 0) + sum, field));
    }
    const gaugeWrites = [...sumGauges(batch)].map(
      ([field, by]) => [field, checked((state.gauges.get(field) ?? 0) + by, field)] as const,
    );
    const droppedWrites = Object.entries(dropped).map(
      ([reason, n]) => [reason, checked((state.dropped.get(reason) ?? 0) + n, reason)] as const,
    );

    let w = 0;
    for (const [start, fields] of sums) {
      let bucket = this.liveBucket(state, start, now);
      if (!bucket) state.buckets.set(start, (bucket = { counters: new Map(), expiresAt: 0 }));
      bucket.expiresAt = now + this.ttlMs;
      for (const field of fields.keys()) bucket.counters.set(field, values[w++]!);
    }
    for (const [reason, n] of droppedWrites) state.dropped.set(reason, n);
    for (const [field, n] of gaugeWrites) {
      if (n === 0) state.gauges.delete(field);
      else state.gauges.set(field, n);
    }
    const watermark =
      batch.watermark === null
        ? (stored?.watermark ?? null)
        : Math.max(batch.watermark, stored?.watermark ?? batch.watermark);
    state.progress.set(key, { nextOffset: batch.nextOffset, watermark });
    if (batch.stateSet?.length || batch.stateDel?.length) {
      let kv = state.state.get(key);
      if (!kv) state.state.set(key, (kv = new Map()));
      for (const [k, v] of batch.stateSet ?? []) kv.set(k, v);
      for (const k of batch.stateDel ?? []) kv.delete(k);
    }
    for (const r of batch.outbox ?? []) state.outbox.push({ ...r });
    const until = state.rebuildUntil.get(key);
    if (until !== undefined && batch.nextOffset >= until) state.rebuildUntil.delete(key);
    state.updatedAt = now;
    return 'applied';
  }

  async openEpoch(group: string): Promise<GroupEpoch> {
    this.assertOpen();
    const state = this.group(group);
    if (state.epoch !== null) return { epoch: state.epoch, created: false };
    state.epoch = randomUUID();
    return { epoch: state.epoch, created: true };
  }

  async dropGroup(group: string): Promise<void> {
    this.assertOpen();
    this.groups.delete(group);
  }

  async readState(group: string, topic: string, partition: number): Promise<Map<string, string>> {
    this.assertOpen();
    return new Map(this.groups.get(group)?.state.get(partitionKey(topic, partition)));
  }

  async readOutbox(group: string, max: number): Promise<OutboxRecord[]> {
    this.assertOpen();
    return (this.groups.get(group)?.outbox.slice(0, Math.max(0, max)) ?? []).map((r) => ({ ...r }));
  }

  async ackOutbox(group: string, lastId: string): Promise<void> {
    this.assertOpen();
    const outbox = this.groups.get(group)?.outbox;
    const at = outbox?.findIndex((r) => r.id === lastId) ?? -1;
    if (at >= 0) outbox!.splice(0, at + 1);
  }

  async outboxSize(group: string): Promise<number> {
    this.assertOpen();
    return this.groups.get(group)?.outbox.length ?? 0;
  }

  async markRebuild(group: string, topic: string, partition: number, untilOffset: number): Promise<void> {
    this.assertOpen();
    const state = this.group(group);
    const key = partitionKey(topic, partition);
    if ((state.progress.get(key)?.nextOffset ?? -1) < untilOffset) state.rebuildUntil.set(key, untilOffset);
  }

  /** Forgets everything, as a store without persistence does when it restarts (Redis FLUSHALL). */
  clear(): void {
    this.groups.clear();
    this.claims.clear();
  }

  async readProgress(group: string): Promise<Record<string, PartitionProgress>> {
    this.assertOpen();
    return progressOf(this.groups.get(group));
  }

  async readGauges(group: string): Promise<Record<string, number>> {
    this.assertOpen();
    return Object.fromEntries(this.groups.get(group)?.gauges ?? []);
  }

  async readVitals(group: string, fromBucket: number, toBucket: number): Promise<VitalsRead> {
    this.assertOpen();
    validateRange(fromBucket, toBucket);
    const state = this.groups.get(group);
    const now = Date.now();
    const buckets = new Map<number, Record<string, number>>();
    if (state) {
      const starts = [...state.buckets.keys()].filter((s) => s >= fromBucket && s <= toBucket).sort((a, b) => a - b);
      for (const start of starts) {
        const live = this.liveBucket(state, start, now);
        if (live) buckets.set(start, Object.fromEntries(live.counters));
      }
    }
    return {
      buckets,
      progress: progressOf(state),
      updatedAt: state?.updatedAt ?? null,
      dropped: state ? Object.fromEntries(state.dropped) : {},
      rebuilding: (state?.rebuildUntil.size ?? 0) > 0,
    };
  }

  async claimEventIds(ids: string[], lease: ClaimLease): Promise<ClaimResult[]> {
    this.assertOpen();
    validateClaim(ids, lease.leaseMs);
    validateOwner(lease.owner);
    const now = Date.now();
    return ids.map((id): ClaimResult => {
      const claim = this.heldClaim(id, now);
      const take = () => this.claims.set(id, pendingClaim(lease, now, now));
      if (!claim) {
        take();
        return 'claimed';
      }
      if (claim.confirmed) return 'duplicate';
      if (claim.owner === lease.owner || claim.until > now) return 'pending';
      take();
      return { lapsedSince: claim.takenAt };
    });
  }

  async renewEventIds(ids: string[], lease: ClaimLease): Promise<boolean[]> {
    this.assertOpen();
    validateClaim(ids, lease.leaseMs);
    validateOwner(lease.owner);
    const now = Date.now();
    return ids.map((id) => {
      const claim = this.heldClaim(id, now);
      if (claim && (claim.confirmed || claim.owner !== lease.owner)) return false;
      this.claims.set(id, pendingClaim(lease, now, claim?.takenAt ?? now));
      return true;
    });
  }

  async confirmEventIds(ids: string[], owner: string, ttlMs: number): Promise<boolean[]> {
    this.assertOpen();
    validateClaim(ids, ttlMs);
    validateOwner(owner);
    const now = Date.now();
    return ids.map((id) => {
      const claim = this.heldClaim(id, now);
      if (claim && claim.owner !== owner) return false;
      this.claims.set(id, { until: now + ttlMs, expiresAt: now + ttlMs, owner, confirmed: true, takenAt: now });
      return true;
    });
  }

  async releaseEventIds(ids: string[], owner: string): Promise<boolean[]> {
    this.assertOpen();
    validateClaim(ids);
    validateOwner(owner);
    const now = Date.now();
    return ids.map((id) => {
      const claim = this.heldClaim(id, now);
      if (!claim || claim.confirmed || claim.owner !== owner) return false;
      this.claims.delete(id);
      return true;
    });
  }

  /** the claim on `id` while it is remembered: a pending one until its lease + grace, a confirmed one until its ttl (like PX) */
  private heldClaim(id: string, now: number): Claim | undefined {
    const claim = this.claims.get(id);
    return claim !== undefined && claim.expiresAt > now ? claim : undefined;
  }

  async health(): Promise<StoreHealth> {
    return this.closed
      ? { ok: false, detail: 'memory store is closed' }
      : { ok: true, detail: 'embedded memory store' };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.groups.clear();
    this.claims.clear();
  }

  /** What the store holds right now, for memory metrics and the flat-memory tests. */
  stats(): { groups: number; buckets: number; claims: number } {
    let buckets = 0;
    for (const g of this.groups.values()) buckets += g.buckets.size;
    return { groups: this.groups.size, buckets, claims: this.claims.size };
  }

  /** Drops every expired bucket and claim; runs on a timer, callable directly. */
  sweep(now = Date.now()): void {
    for (const state of this.groups.values()) {
      for (const [start, bucket] of state.buckets) if (bucket.expiresAt <= now) state.buckets.delete(start);
    }
    for (const [id, claim] of this.claims) if (claim.expiresAt <= now) this.claims.delete(id);
  }

  private liveBucket(state: GroupState, start: number, now: number): Bucket | undefined {
    const bucket = state.buckets.get(start);
    if (bucket && bucket.expiresAt <= now) {
      state.buckets.delete(start);
      return undefined;
    }
    return bucket;
  }

  private group(name: string): GroupState {
    let state = this.groups.get(name);
    if (!state)
      this.groups.set(
        name,
        (state = {
          epoch: null,
          buckets: new Map(),
          progress: new Map(),
          dropped: new Map(),
          gauges: new Map(),
          updatedAt: null,
          state: new Map(),
          outbox: [],
          rebuildUntil: new Map(),
        }),
      );
    return state;
  }

  private assertOpen(): void {
    if (this.closed) throw new CityopsError(ErrorCodes.STORE_UNAVAILABLE, 'memory store is closed');
  }
}

function progressOf(state: GroupState | undefined): Record<string, PartitionProgress> {
  const out: Record<string, PartitionProgress> = {};
  if (state) for (const [key, p] of state.progress) out[key] = { ...p };
  return out;
}

function checked(value: number, name: string): number {
  if (!Number.isSafeInteger(value)) throw invalidBatch(`counter ${name} would leave the safe integer range`);
  return value;
}
