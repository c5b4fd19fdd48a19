import { Redis } from 'ioredis';
import type {
  ApplyResult,
  ClaimResult,
  PartitionProgress,
  Store,
  StoreHealth,
  StageBatch,
  VitalsRead,
} from './port.js';
import { conflict } from './errors.js';
import { DEFAULT_BUCKET_TTL_MS } from './memory-store.js';
import { APPLY_BATCH_LUA, encodeBatch } from './redis/apply-script.js';
import { connectionOptions, redactUrl, toStoreError } from './redis/connection.js';
import { bucketKey, claimKey, groupKeys } from './redis/keys.js';
import { invalidBatch, validateBatch, validateClaim, validateRange } from './validate.js';

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

/** Values of a claim key: published (a duplicate from now on) or still being published. */
const CONFIRMED = 'c';
const PENDING = 'p';

type ApplyCommand = (numKeys: number, ...keysAndArgs: string[]) => Promise<string>;

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
  private readonly redis: Redis & { cityopsApplyBatch: ApplyCommand };
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
    this.redis = redis as Redis & { cityopsApplyBatch: ApplyCommand };
  }

  async applyBatch(batch: StageBatch): Promise<ApplyResult> {
    validateBatch(batch);
    const { keys, args } = encodeBatch(this.keyPrefix, batch, this.ttlMs);
    const reply = await this.call('applyBatch', () => this.redis.cityopsApplyBatch(keys.length, ...keys, ...args));
    if (reply === 'applied' || reply === 'duplicate') return reply;
    if (reply.startsWith('conflict:')) throw conflict(batch, Number(reply.slice('conflict:'.length)));
    if (reply.startsWith('invalid:')) throw invalidBatch(reply.slice('invalid:'.length));
    throw new Error(`unexpected reply from the apply script: ${reply}`);
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
        ...starts.map((s): [string, ...string[]] => ['hgetall', bucketKey(this.keyPrefix, group, s)]),
      ]),
    );
    const [offsets, watermarks, dropped, updatedAt, ...hashes] = replies as [
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
      string | null,
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
    };
  }

  async claimEventIds(ids: string[], pendingTtlMs: number): Promise<ClaimResult[]> {
    validateClaim(ids, pendingTtlMs);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    // SET NX GET (Redis 7): sets only a free key and returns what was there, in one atomic step
    for (const id of ids)
      pipeline.call('SET', claimKey(this.keyPrefix, id), PENDING, 'PX', String(pendingTtlMs), 'NX', 'GET');
    const replies = await this.call('claimEventIds', () => pipeline.exec());
    return ids.map((_, i) => {
      const [err, reply] = replies?.[i] ?? [new Error('no reply'), null];
      if (err) throw toStoreError(err, this.url, 'claimEventIds');
      return reply === null ? 'claimed' : reply === PENDING ? 'pending' : 'duplicate';
    });
  }

  async confirmEventIds(ids: string[], ttlMs: number): Promise<void> {
    validateClaim(ids, ttlMs);
    if (ids.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.set(claimKey(this.keyPrefix, id), CONFIRMED, 'PX', ttlMs);
    const replies = await this.call('confirmEventIds', () => pipeline.exec());
    for (const [err] of replies ?? []) if (err) throw toStoreError(err, this.url, 'confirmEventIds');
  }

  async releaseEventIds(ids: string[]): Promise<void> {
    validateClaim(ids);
    if (ids.length === 0) return;
    await this.call('releaseEventIds', () => this.redis.del(...ids.map((id) => claimKey(this.keyPrefix, id))));
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
