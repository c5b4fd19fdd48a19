import { ErrorCodes, isCityopsError } from '@cityops/schema';
import { realInfra, uniqueName } from '@cityops/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreContract } from './contract/store-contract.js';
import type { StageBatch } from './port.js';
import { APPLY_BATCH_LUA, encodeBatch } from './redis/apply-script.js';
import { redactUrl } from './redis/connection.js';
import { RedisStore } from './redis-store.js';
import { deleteByPrefix, keySlot, keysByPrefix, killConnections } from './test/redis-helpers.js';

const { redisUrl } = realInfra();
const T0 = 1_735_689_600_000;
const MIN = 60_000;

runStoreContract('redis', async ({ bucketTtlMs }) => {
  const keyPrefix = uniqueName('store-it');
  const clients: RedisStore[] = [];
  const open = () => {
    const s = new RedisStore({ url: redisUrl, keyPrefix, bucketTtlMs });
    clients.push(s);
    return s;
  };
  return {
    store: open(),
    peer: async () => open(),
    cleanup: async () => {
      for (const c of clients) await c.close();
      await deleteByPrefix(redisUrl, keyPrefix);
    },
    loseEverything: async () => void (await deleteByPrefix(redisUrl, keyPrefix)),
  };
});

describe('RedisStore', () => {
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const prefixes: string[] = [];
  const fresh = (extra: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) => {
    const keyPrefix = extra.keyPrefix ?? uniqueName('store-it');
    prefixes.push(keyPrefix);
    return new RedisStore({ url: redisUrl, keyPrefix, ...extra });
  };
  afterAll(async () => {
    for (const p of prefixes) await deleteByPrefix(redisUrl, p);
    admin.disconnect();
  });

  // each test opens its group's epoch (S16) on its own store before the first batch
  const epochs = new Map<string, string>();
  const opened = async (store: RedisStore, group: string) => {
    epochs.set(group, (await store.openEpoch(group)).epoch);
    return store;
  };
  const batch = (group: string, from: number, next: number, over: Partial<StageBatch> = {}): StageBatch => {
    const increments = [];
    // record i counts 1 into bucket T0 + (i % 5) minutes
    for (let i = from; i < next; i++) increments.push({ bucket: T0 + (i % 5) * MIN, field: 'events', by: 1 });
    return {
      group,
      epoch: epochs.get(group) ?? 'not-opened',
      topic: 'city.events.v1',
      partition: 0,
      fromOffset: from,
      nextOffset: next,
      increments,
      watermark: T0 + next,
      dropped: { E_EVT_TOO_LATE: next - from },
      ...over,
    };
  };

  it.each([
    ['a refused port', 'redis://127.0.0.1:1'],
    ['an address that never answers', 'redis://10.255.255.1:6379'],
  ])('an unreachable Redis (%s) fails within seconds with E_STORE_UNAVAILABLE naming the URL', async (_what, url) => {
    const store = new RedisStore({ url, connectTimeoutMs: 500 });
    const started = Date.now();
    const err = await store.applyBatch(batch('g', 0, 1)).catch((e: unknown) => e);
    expect(isCityopsError(err, ErrorCodes.STORE_UNAVAILABLE)).toBe(true);
    expect((err as Error).message).toContain(url.replace('redis://', ''));
    expect(Date.now() - started).toBeLessThan(8_000);
    const health = await store.health();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain(url.replace('redis://', ''));
    await store.close();
  });

  it('names the URL without its password', () => {
    expect(redactUrl('redis://:s3cret@redis.example:6379/0')).not.toContain('s3cret');
  });

  it('keeps every key of one group in one cluster hash slot', async () => {
    expect(keySlot('foo')).toBe(12182); // the value Redis documents for CLUSTER KEYSLOT foo
    const group = 'group:with}odd{chars';
    const store = await opened(fresh(), group);
    const many = batch(group, 0, 40, { dropped: { A: 1, B: 2 } });
    many.increments.push(...Array.from({ length: 20 }, (_, m) => ({ bucket: T0 + m * 7 * MIN, field: 'x', by: 1 })));
    await store.applyBatch(many);
    const groupKeys = (await keysByPrefix(admin, store.keyPrefix)).filter((k) => k.startsWith('{'));
    expect(groupKeys.length).toBeGreaterThan(20);
    expect(new Set(groupKeys.map(keySlot)).size).toBe(1);
    expect((await store.readVitals(group, 0, Number.MAX_SAFE_INTEGER)).buckets.size).toBe(24);
    await store.close();
  });

  it('dropGroup leaves no key of the group behind (buckets, state, outbox, marks), and the keys of another group', async () => {
    const group = 'replay:with}odd{chars';
    const other = 'live';
    const store = fresh();
    await opened(store, group);
    await opened(store, other);
    const many = batch(group, 0, 40, {
      stateSet: [['k', 'v']],
      outbox: [{ id: 'o1', topic: 't', key: null, value: 'v' }],
    });
    await store.applyBatch(many);
    await store.applyBatch(batch(group, 0, 5, { topic: 'odd:topic}', partition: 3, stateSet: [['a', 'b']] }));
    await store.markRebuild(group, 'city.events.v1', 7, 99);
    await store.applyBatch(batch(other, 0, 10));
    const all = await keysByPrefix(admin, store.keyPrefix);
    const tag = (g: string) => `{${store.keyPrefix}:${encodeURIComponent(g)}}`;
    expect(all.filter((k) => k.startsWith(tag(group))).length).toBeGreaterThan(10);
    const otherKeys = all.filter((k) => k.startsWith(tag(other))).sort();

    await store.dropGroup(group);
    const left = await keysByPrefix(admin, store.keyPrefix);
    expect(left.filter((k) => k.startsWith(tag(group)))).toEqual([]);
    expect(left.filter((k) => k.startsWith(tag(other))).sort()).toEqual(otherKeys);
    await store.close();
  });

  it('the script itself refuses a malformed batch and writes nothing, even when TypeScript checks are bypassed', async () => {
    const store = await opened(fresh(), 'g');
    const raw = new Redis(redisUrl);
    raw.defineCommand('applyRaw', { lua: APPLY_BATCH_LUA });
    const run = (keys: string[], args: string[]) =>
      (raw as unknown as { applyRaw: (n: number, ...a: string[]) => Promise<string> }).applyRaw(
        keys.length,
        ...keys,
        ...args,
      );
    try {
      const good = batch('g', 0, 2);
      expect(await store.applyBatch(good)).toBe('applied');
      const before = await keysByPrefix(admin, store.keyPrefix);
      const snapshot = await store.readVitals('g', 0, Number.MAX_SAFE_INTEGER);
      const bad = [
        {
          ...batch('g', 2, 4),
          increments: [
            { bucket: T0, field: 'events', by: 1 },
            { bucket: T0, field: 'events', by: Number.NaN },
          ],
        },
        { ...batch('g', 2, 4), increments: [{ bucket: T0, field: 'events', by: 1.5 }] },
        { ...batch('g', 2, 4), dropped: { E: Number.POSITIVE_INFINITY } },
        { ...batch('g', 2, 4), watermark: 1e300 },
      ];
      for (const b of bad) {
        const { keys, args } = encodeBatch(store.keyPrefix, b, 60_000);
        expect(await run(keys, args)).toMatch(/^invalid:/);
      }
      const { keys, args } = encodeBatch(store.keyPrefix, batch('g', 2, 4), 60_000);
      expect(await run(keys, [...args.slice(0, -1)])).toMatch(/^invalid:/); // truncated ARGV
      expect(await run(keys.slice(0, -1), args)).toMatch(/^invalid:/); // a bucket key missing
      expect(
        await run(
          keys,
          args.map((a) => (a === '1' ? '1e0' : a)),
        ),
      ).toMatch(/^invalid:/); // non-canonical number
      expect((await keysByPrefix(admin, store.keyPrefix)).sort()).toEqual(before.sort());
      const after = await store.readVitals('g', 0, Number.MAX_SAFE_INTEGER);
      expect({ ...after, buckets: Object.fromEntries(after.buckets) }).toEqual({
        ...snapshot,
        buckets: Object.fromEntries(snapshot.buckets),
      });
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('trims index entries of expired buckets, so the index does not grow', async () => {
    const store = await opened(fresh({ bucketTtlMs: 200 }), 'g');
    await store.applyBatch(batch('g', 0, 5));
    await new Promise((r) => setTimeout(r, 400));
    await store.applyBatch(batch('g', 5, 6, { increments: [{ bucket: T0 + 99 * MIN, field: 'events', by: 1 }] }));
    const k = `{${store.keyPrefix}:g}`;
    expect(await admin.zrange(`${k}:idx`, 0, -1)).toEqual([String(T0 + 99 * MIN)]);
    expect(await admin.zcard(`${k}:touch`)).toBe(1);
    expect(await admin.pttl(`${k}:idx`)).toBeGreaterThan(0);
    await store.close();
  });

  it('connections killed mid-sequence neither lose nor double-count', async () => {
    const keyPrefix = uniqueName('store-crash');
    const connectionName = uniqueName('crash');
    const open = () => fresh({ keyPrefix, connectionName, commandTimeoutMs: 2_000 });
    const N = 3_000;
    const killAt = [300, 900, 1_500, 2_100, 2_700];
    const kills: Array<Promise<number>> = [];
    let store = await opened(open(), 'agg');
    let next = 0;
    let restarts = 0;
    let lastApplied: StageBatch | undefined;
    while (next < N) {
      if (killAt.length > 0 && next >= killAt[0]!) {
        killAt.shift();
        kills.push(killConnections(admin, connectionName)); // not awaited: lands while a batch is in flight
      }
      const b = batch('agg', next, Math.min(next + 1 + (next % 3), N));
      try {
        // 'duplicate' is legitimate here: ioredis re-sends a script whose reply the kill swallowed
        expect(['applied', 'duplicate']).toContain(await store.applyBatch(b));
        lastApplied = b;
        next = b.nextOffset;
      } catch (err) {
        // the consumer crashes: a new process resumes from the offsets stored with the counters
        expect(isCityopsError(err, ErrorCodes.STORE_UNAVAILABLE)).toBe(true);
        restarts++;
        await store.close();
        store = open();
        next = (await store.readProgress('agg'))['city.events.v1:0']?.nextOffset ?? 0;
      }
    }
    expect((await Promise.all(kills)).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
    // a crash after apply but before the Kafka commit re-delivers the last batch: a duplicate
    const restarted = open();
    expect(await restarted.applyBatch(lastApplied!)).toBe('duplicate');
    const r = await restarted.readVitals('agg', 0, Number.MAX_SAFE_INTEGER);
    expect(r.progress['city.events.v1:0']).toEqual({ nextOffset: N, watermark: T0 + N });
    expect(Object.fromEntries(r.buckets)).toEqual(
      Object.fromEntries(Array.from({ length: 5 }, (_, m) => [T0 + m * MIN, { events: N / 5 }])),
    );
    expect(r.dropped).toEqual({ E_EVT_TOO_LATE: N });
    console.info(`connection kills: ${N} records, 5 kills, ${restarts} restarts`);
    await store.close();
    await restarted.close();
  });

  it('a process crash with batches in flight neither loses nor double-counts: the restart resumes from stored offsets', async () => {
    const keyPrefix = uniqueName('store-crash');
    const open = () => fresh({ keyPrefix });
    const N = 4_000;
    const crashAt = [500, 1_400, 2_300, 3_200];
    let store = await opened(open(), 'agg');
    let next = (await store.readProgress('agg'))['city.events.v1:0']?.nextOffset ?? 0;
    let crashes = 0;
    let lost = 0;
    let appliedUnanswered = 0;
    while (next < N) {
      // up to 8 batches in flight, as a consumer pipelines them; Redis applies them in order
      const inFlight: Array<Promise<unknown>> = [];
      const ends: number[] = [];
      let cursor = next;
      for (let k = 0; k < 8 && cursor < N; k++) {
        const b = batch('agg', cursor, Math.min(cursor + 1 + (cursor % 4), N));
        inFlight.push(store.applyBatch(b));
        ends.push(b.nextOffset);
        cursor = b.nextOffset;
      }
      let crashed = false;
      if (crashAt.length > 0 && cursor >= crashAt[0]!) {
        crashAt.shift();
        // the process dies: unsent bytes are discarded, sent commands lose their replies, nothing is re-sent
        const redis = (store as unknown as { redis: Redis & { stream: { destroy(): void } } }).redis;
        const socket = redis.stream;
        redis.disconnect();
        socket.destroy();
        crashed = true;
      }
      const settled = await Promise.allSettled(inFlight);
      const failed = settled.filter((o) => o.status === 'rejected');
      for (const f of failed)
        expect(isCityopsError((f as PromiseRejectedResult).reason, ErrorCodes.STORE_UNAVAILABLE)).toBe(true);
      lost += failed.length;
      if (crashed) {
        crashes++;
        await store.close();
        store = open();
      }
      // resume from what Redis says was applied, whatever the replies said
      const stored = (await store.readProgress('agg'))['city.events.v1:0']?.nextOffset ?? 0;
      const answered = Math.max(next, ...ends.filter((_, i) => settled[i]!.status === 'fulfilled'));
      if (stored > answered) appliedUnanswered++;
      next = stored;
    }
    expect(crashes).toBe(4);
    expect(lost).toBeGreaterThan(0);
    const r = await store.readVitals('agg', 0, Number.MAX_SAFE_INTEGER);
    expect(r.progress['city.events.v1:0']?.nextOffset).toBe(N);
    expect(Object.fromEntries(r.buckets)).toEqual(
      Object.fromEntries(Array.from({ length: 5 }, (_, m) => [T0 + m * MIN, { events: N / 5 }])),
    );
    expect(r.dropped).toEqual({ E_EVT_TOO_LATE: N });
    console.info(
      `process crashes: ${N} records, ${crashes} crashes, ${lost} calls without a reply, ${appliedUnanswered} crashes where Redis had applied batches whose reply was lost`,
    );
    await store.close();
  });
});
