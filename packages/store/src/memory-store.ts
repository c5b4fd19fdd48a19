import { CityopsError, ErrorCodes } from '@cityops/schema';
import { conflict } from './errors.js';
import type {
  ApplyResult,
  PartitionProgress,
  Store,
  StoreHealth,
  StageBatch,
  VitalsRead,
  ClaimResult,
} from './port.js';
import { invalidBatch, partitionKey, sumIncrements, validateBatch, validateClaim, validateRange } from './validate.js';

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
  buckets: Map<number, Bucket>;
  progress: Map<string, PartitionProgress>;
  dropped: Map<string, number>;
  updatedAt: number | null;
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
  private readonly claims = new Map<string, { until: number; confirmed: boolean }>();
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
    const stored = state.progress.get(key);
    if (stored && stored.nextOffset >= batch.nextOffset) return 'duplicate';
    if (stored && stored.nextOffset > batch.fromOffset) throw conflict(batch, stored.nextOffset);

    // Compute every new value before writing any, so that a counter leaving the safe range
    // rejects the whole batch, as the Redis script does.
    const sums = sumIncrements(batch);
    const values: number[] = [];
    for (const [start, fields] of sums) {
      const counters = this.liveBucket(state, start, now)?.counters;
      for (const [field, sum] of fields) values.push(checked((counters?.get(field) ?? 0) + sum, field));
    }
    const droppedWrites = Object.entries(batch.dropped).map(
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
    const watermark =
      batch.watermark === null
        ? (stored?.watermark ?? null)
        : Math.max(batch.watermark, stored?.watermark ?? batch.watermark);
    state.progress.set(key, { nextOffset: batch.nextOffset, watermark });
    state.updatedAt = now;
    return 'applied';
  }

  async readProgress(group: string): Promise<Record<string, PartitionProgress>> {
    this.assertOpen();
    return progressOf(this.groups.get(group));
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
    };
  }

  async claimEventIds(ids: string[], pendingTtlMs: number): Promise<ClaimResult[]> {
    this.assertOpen();
    validateClaim(ids, pendingTtlMs);
    const now = Date.now();
    return ids.map((id) => {
      const claim = this.claims.get(id);
      if (claim !== undefined && claim.until > now) return claim.confirmed ? 'duplicate' : 'pending';
      this.claims.set(id, { until: now + pendingTtlMs, confirmed: false });
      return 'claimed';
    });
  }

  async confirmEventIds(ids: string[], ttlMs: number): Promise<void> {
    this.assertOpen();
    validateClaim(ids, ttlMs);
    const until = Date.now() + ttlMs;
    for (const id of ids) this.claims.set(id, { until, confirmed: true });
  }

  async releaseEventIds(ids: string[]): Promise<void> {
    this.assertOpen();
    validateClaim(ids);
    for (const id of ids) this.claims.delete(id);
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
    for (const [id, claim] of this.claims) if (claim.until <= now) this.claims.delete(id);
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
      this.groups.set(name, (state = { buckets: new Map(), progress: new Map(), dropped: new Map(), updatedAt: null }));
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
