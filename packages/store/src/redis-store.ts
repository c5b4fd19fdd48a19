import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type {
  ApplyResult,
  ClaimLease,
  ClaimResult,
  GroupEpoch,
  OutboxRecord,
  PartitionProgress,
  Store,
  StoreHealth,
  StageBatch,
  VitalsRead,
} from './port.js';
import { conflict, gap, stateLost } from './errors.js';
import { DEFAULT_BUCKET_TTL_MS } from './memory-store.js';
import { ACK_OUTBOX_LUA, APPLY_BATCH_LUA, encodeBatch } from './redis/apply-script.js';
import { claimPipeline, claimResultOf, isTransientReply } from './redis/claim-script.js';
import { connectionOptions, redactUrl, toStoreError } from './redis/connection.js';
import { bucketKey, claimKey, groupKeys, stateKey } from './redis/keys.js';
import {
  CLAIM_GRACE_MS,
  invalidBatch,
  partitionKey,
  validateBatch,
  validateClaim,
  validateOwner,
  validateRange,
} from './validate.js';

export interface RedisStoreOptions {
  /** e.g. `redis://127.0.0.1:6379` */
  url: string;
  /** prepended to every key, for test isolation and several tenants on one Redis (default `cityops`) */
  keyPrefix?: string;
  /** a bucket expires this long after its last write (default 2 h) */
  bucketTtlMs?: number;
  /** per connection attempt (default 2 s) */
  connectTimeoutMs?: number;
  /** reconnect attempts before an unreachable Redis at start is given up (default 2) */
  firstConnectRetries?: number;
  /** a command not answered within this fails with E_STORE_UNAVAILABLE (default 10 s) */
  commandTimeoutMs?: number;
  /** CLIENT SETNAME of the connection (default `cityops-store`) */
  connectionName?: string;
}

/** how deep `ackOutbox` looks for the acknowledged id (a relay never reads more at once) */
const OUTBOX_ACK_DEPTH = 10_000;

type ApplyCommand = (numKeys: number, ...keysAndArgs: string[]) => Promise<string>;
type AckCommand = (outboxKey: string, lastId: string, depth: string) => Promise<number>;

/**
 * The store in distributed mode. `applyBatch` is one Lua script (redis/apply-script.ts) that
 * checks and moves the partition's offset together with the counters, which is what makes the
 * aggregation effectively-once across crashes and competing consumers. Key layout: README.md.
 * An unreachable Redis fails every call within seconds with `E_STORE_UNAVAILABLE` naming the URL;
 * if the very first connection fails, the store stays unusable and must be recreated.
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly keyPrefix: string;
  private readonly redis: Redis & { cityopsApplyBatch: ApplyCommand; cityopsAckOutbox: AckCommand };
  private readonly ttlMs: number;
  private readonly url: string;

  constructor(options: RedisStoreOptions) {
    this.url = options.url;
    this.keyPrefix = options.keyPrefix ?? 'cityops';
    this.ttlMs = options.bucketTtlMs ?? DEFAULT_BUCKET_TTL_MS;
    if (!(Number.isSafeInteger(this.ttlMs) && this.ttlMs > 0))
      throw new RangeError(`bucketTtlMs must be a positive integer, got ${this.ttlMs}`);
    const { options: redisOptions, markReady } = connectionOptions(
      {
        connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
        firstConnectRetries: options.firstConnectRetries ?? 2,
        commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
      },
      options.connectionName ?? 'cityops-store',
    );
    const redis = new Redis(options.url, redisOptions);
    redis.on('ready', markReady);
    // Without a listener ioredis prints every connection error; the calls report them instead.
    redis.on('error', () => {});
    redis.defineCommand('cityopsApplyBatch', { lua: APPLY_BATCH_LUA });
    redis.defineCommand('cityopsAckOutbox', { lua: ACK_OUTBOX_LUA, numberOfKeys: 1 });
    this.redis = redis as Redis & { cityopsApplyBatch: ApplyCommand; cityopsAckOutbox: AckCommand };
  }

  async applyBatch(batch: StageBatch): Promise<ApplyResult> {
    validateBatch(batch);
    const { keys, args } = encodeBatch(this.keyPrefix, batch, this.ttlMs);
    const reply = await this.call('applyBatch', () => this.redis.cityopsApplyBatch(keys.length, ...keys, ...args));
    if (reply === 'applied' || reply === 'duplicate') return reply;
    if (reply === 'lost') throw stateLost(batch);
    if (reply.startsWith('conflict:')) throw conflict(batch, Number(reply.slice('conflict:'.length)));
    if (reply.startsWith('gap:')) throw gap(batch, Number(reply.slice('gap:'.length)));
    if (reply.startsWith('invalid:')) throw invalidBatch(reply.slice('invalid:'.length));
    throw new Error(`unexpected reply from the apply script: ${reply}`);
  }

  async openEpoch(group: string): Promise<GroupEpoch> {
    const k = groupKeys(this.keyPrefix, group);
    const fresh = randomUUID();
    const [created, epoch] = await this.call('openEpoch', () =>
      this.exec([
        ['hsetnx', k.meta, 'epoch', fresh],
        ['hget', k.meta, 'epoch'],
      ]),
    );
    return { epoch: epoch as string, created: created === 1 };
  }

  async dropGroup(group: string): Promise<void> {
    const k = groupKeys(this.keyPrefix, group);
    // every key of the group is named by these (S20): the bucket index lists the live buckets,
    // the offset and rebuild hashes the partitions that have keyed state; all share one slot
    const [starts, parts, marks] = (await this.call('dropGroup', () =>
      this.exec([
        ['zrange', k.index, '0', '-1'],
        ['hkeys', k.offsets],
        ['hkeys', k.rebuild],
      ]),
    )) as [string[], string[], string[]];
    const keys = [...Object.values(k), ...starts.map((s) => bucketKey(this.keyPrefix, group, s))];
    for (const part of new Set([...parts, ...marks])) {
      const at = part.lastIndexOf(':');
      keys.push(stateKey(this.keyPrefix, group, part.slice(0, at), Number(part.slice(at + 1))));
    }
    for (let i = 0; i < keys.length; i += 512) {
      const chunk = keys.slice(i, i + 512);
      await this.call('dropGroup', () => this.redis.del(...chunk));
    }
  }

  async readState(group: string, topic: string, partition: number): Promise<Map<string, string>> {
    const key = stateKey(this.keyPrefix, group, topic, partition);
    const out = new Map<string, string>();
    // HSCAN in pages: a partition of a large stage holds many keys, and HGETALL would block Redis
    let cursor = '0';
    do {
      const [next, flat] = await this.call('readState', () => this.redis.hscan(key, cursor, 'COUNT', 1000));
      for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, flat[i + 1]!);
      cursor = next;
    } while (cursor !== '0');
    return out;
  }

  async readOutbox(group: string, max: number): Promise<OutboxRecord[]> {
    if (max <= 0) return [];
    const raw = await this.call('readOutbox', () =>
      this.redis.lrange(groupKeys(this.keyPrefix, group).outbox, 0, max - 1),
    );
    return raw.map((r) => JSON.parse(r) as OutboxRecord);
  }

  async ackOutbox(group: string, lastId: string): Promise<void> {
    await this.call('ackOutbox', () =>
      this.redis.cityopsAckOutbox(groupKeys(this.keyPrefix, group).outbox, lastId, String(OUTBOX_ACK_DEPTH)),
    );
  }

  async outboxSize(group: string): Promise<number> {
    return this.call('outboxSize', () => this.redis.llen(groupKeys(this.keyPrefix, group).outbox));
  }

  async markRebuild(group: string, topic: string, partition: number, untilOffset: number): Promise<void> {
    const k = groupKeys(this.keyPrefix, group);
    const part = partitionKey(topic, partition);
    const next = await this.call('markRebuild', () => this.redis.hget(k.offsets, part));
    if (next !== null && Number(next) >= untilOffset) return;
    await this.call('markRebuild', () => this.redis.hset(k.rebuild, part, String(untilOffset)));
  }

  async readProgress(group: string): Promise<Record<string, PartitionProgress>> {
    const k = groupKeys(this.keyPrefix, group);
    const [offsets, watermarks] = await this.call('readProgress', () =>
      this.exec([
        ['hgetall', k.offsets],
        ['hgetall', k.watermarks],
      ]),
    );
    return progressOf(offsets as Record<string, string>, watermarks as Record<string, string>);
  }

  async readGauges(group: string): Promise<Record<string, number>> {
    const raw = await this.call('readGauges', () => this.redis.hgetall(groupKeys(this.keyPrefix, group).gauges));
    const out: Record<string, number> = {};
    for (const [field, v] of Object.entries(raw)) out[field] = Number(v);
    return out;
  }

  async readVitals(group: string, fromBucket: number, toBucket: number): Promise<VitalsRead> {
    validateRange(fromBucket, toBucket);
    const k = groupKeys(this.keyPrefix, group);
    const starts = await this.call('readVitals', () => this.redis.zrangebyscore(k.index, fromBucket, toBucket));
    // One MULTI, so that buckets, progress and freshness come from the same moment.
    const replies = await this.call('readVitals', () =>
      this.exec([
        ['hgetall', k.offsets],
        ['hgetall', k.watermarks],
        ['hgetall', k.dropped],
        ['hget', k.meta, 'updatedAt'],
        ['hlen', k.rebuild],
        ...starts.map((s): [string, ...string[]] => ['hgetall', bucketKey(this.keyPrefix, group, s)]),
      ]),
    );
    const [offsets, watermarks, dropped, updatedAt, rebuilds, ...hashes] = replies as [
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
      string | null,
      number,
      ...Array<Record<string, string>>,
    ];
    const buckets = new Map<number, Record<string, number>>();
    starts.forEach((s, i) => {
      const hash = hashes[i] ?? {};
      // an index entry whose bucket has expired but was not trimmed yet
      if (Object.keys(hash).length > 0) buckets.set(Number(s), numbers(hash));
    });
    return {
      buckets,
      progress: progressOf(offsets, watermarks),
      updatedAt: updatedAt === null ? null : Number(updatedAt),
      dropped: numbers(dropped),
      rebuilding: rebuilds > 0,
    };
  }

  async claimEventIds(ids: string[], lease: ClaimLease): Promise<ClaimResult[]> {
    validateClaim(ids, lease.leaseMs);
    validateOwner(lease.owner);
    if (ids.length === 0) return [];
    const pipeline = claimPipeline(this.redis);
    for (const id of ids)
      pipeline.cityopsClaim(claimKey(this.keyPrefix, id), lease.owner, String(lease.leaseMs), String(CLAIM_GRACE_MS));
    const replies = await this.claimReplies('claimEventIds', ids.length, () => pipeline.exec());
    const seen = new Set<string>();
    return ids.map((id, i) => {
      const first = !seen.has(id);
      seen.add(id);
      return claimResultOf(replies[i] as string, first);
    });
  }

  async renewEventIds(ids: string[], lease: ClaimLease): Promise<boolean[]> {
    validateClaim(ids, lease.leaseMs);
    validateOwner(lease.owner);
    if (ids.length === 0) return [];
    const pipeline = claimPipeline(this.redis);
    for (const id of ids)
      pipeline.cityopsRenewClaim(
        claimKey(this.keyPrefix, id),
        lease.owner,
        String(lease.leaseMs),
        String(CLAIM_GRACE_MS),
      );
    const replies = await this.claimReplies('renewEventIds', ids.length, () => pipeline.exec());
    return replies.map((r) => r === 1);
  }

  async confirmEventIds(ids: string[], owner: string, ttlMs: number): Promise<boolean[]> {
    validateClaim(ids, ttlMs);
    validateOwner(owner);
    if (ids.length === 0) return [];
    const pipeline = claimPipeline(this.redis);
    for (const id of ids) pipeline.cityopsConfirmClaim(claimKey(this.keyPrefix, id), owner, String(ttlMs));
    const replies = await this.claimReplies('confirmEventIds', ids.length, () => pipeline.exec());
    return replies.map((r) => r === 1);
  }

  async releaseEventIds(ids: string[], owner: string): Promise<boolean[]> {
    validateClaim(ids);
    validateOwner(owner);
    if (ids.length === 0) return [];
    const pipeline = claimPipeline(this.redis);
    for (const id of ids) pipeline.cityopsReleaseClaim(claimKey(this.keyPrefix, id), owner);
    const replies = await this.claimReplies('releaseEventIds', ids.length, () => pipeline.exec());
    return replies.map((r) => r === 1);
  }

  /** Runs a claim pipeline: one reply per id, or E_STORE_UNAVAILABLE for a Redis that cannot answer now. */
  private async claimReplies(
    what: string,
    count: number,
    run: () => Promise<Array<[Error | null, unknown]> | null>,
  ): Promise<unknown[]> {
    const replies = await this.call(what, run);
    return Array.from({ length: count }, (_, i) => {
      const [err, reply] = replies?.[i] ?? [new Error('no reply'), null];
      if (err) {
        if (isTransientReply(err)) throw toStoreError(new Error(err.message), this.url, what);
        throw toStoreError(err, this.url, what);
      }
      return reply;
    });
  }

  async health(): Promise<StoreHealth> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('PING timed out after 1000 ms')), 1_000);
      });
      await Promise.race([this.redis.ping(), timeout]);
      return { ok: true, detail: `Redis at ${redactUrl(this.url)} answered PING in ${Date.now() - started} ms` };
    } catch (err) {
      return {
        ok: false,
        detail: `Redis at ${redactUrl(this.url)}: ${err instanceof Error ? err.message : String(err)}`,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async exec(commands: Array<[string, ...string[]]>): Promise<unknown[]> {
    const replies = await this.redis.multi(commands).exec();
    if (!replies) throw new Error('MULTI was aborted');
    return replies.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw toStoreError(err, this.url, what);
    }
  }
}

function numbers(hash: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(hash)) out[k] = Number(v);
  return out;
}

function progressOf(
  offsets: Record<string, string>,
  watermarks: Record<string, string>,
): Record<string, PartitionProgress> {
  const out: Record<string, PartitionProgress> = {};
  for (const [key, next] of Object.entries(offsets)) {
    const wm = watermarks[key];
    out[key] = { nextOffset: Number(next), watermark: wm === undefined ? null : Number(wm) };
  }
  return out;
}
