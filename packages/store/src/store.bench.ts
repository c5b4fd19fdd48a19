import { realInfra, uniqueName } from '@cityops/testkit';
import { Redis } from 'ioredis';
import { afterAll, bench, describe } from 'vitest';
import type { StageBatch } from './port.js';
import { RedisStore } from './redis-store.js';
import { deleteByPrefix } from './test/redis-helpers.js';

/**
 * applyBatch (one Lua script: validation, offsets, counters, index) against the floor: the same
 * increments as raw pipelined HINCRBY, with no offsets and no atomicity. The ratio is the price
 * of effectively-once. The script sums increments per (bucket, field) before writing, so it is
 * also compared with raw HINCRBY of those sums, the strict floor. Run: `npx vitest bench --run` (not part of `vitest run`).
 */
const { redisUrl } = realInfra();
const prefix = uniqueName('store-bench');
const store = new RedisStore({ url: redisUrl, keyPrefix: prefix });
const raw = new Redis(redisUrl);
const T0 = 1_735_689_600_000;
const RECORDS = 500; // records per batch, as the aggregator applies them
const FIELDS = ['events', 'complaints', 'traffic', 'noise', 'waste', 'water', 'lights', 'parking'];

function increments(seed: number) {
  // 500 records spread over 3 minute buckets and 8 fields, as a partition's batch would be
  return Array.from({ length: RECORDS }, (_, i) => ({
    bucket: T0 + ((seed + i) % 3) * 60_000,
    field: FIELDS[(seed * 7 + i) % FIELDS.length]!,
    by: 1,
  }));
}

let offset = 0;
let n = 0;
const { epoch } = await store.openEpoch('bench');

afterAll(async () => {
  await store.close();
  raw.disconnect();
  await deleteByPrefix(redisUrl, prefix);
});

describe(`apply a batch of ${RECORDS} increments`, () => {
  bench('RedisStore.applyBatch (Lua, offsets, atomic)', async () => {
    const batch: StageBatch = {
      group: 'bench',
      epoch,
      topic: 'city.events.v1',
      partition: 0,
      fromOffset: offset,
      nextOffset: offset + RECORDS,
      increments: increments(n++),
      watermark: T0,
      dropped: {},
    };
    offset += RECORDS;
    await store.applyBatch(batch);
  });

  bench('raw pipelined HINCRBY (no offsets, no atomicity)', async () => {
    const p = raw.pipeline();
    for (const inc of increments(n++)) p.hincrby(`${prefix}:raw:${inc.bucket}`, inc.field, inc.by);
    await p.exec();
  });

  bench('raw pipelined HINCRBY of the per-field sums (the strict floor)', async () => {
    const sums = new Map<string, number>();
    for (const inc of increments(n++))
      sums.set(`${inc.bucket}|${inc.field}`, (sums.get(`${inc.bucket}|${inc.field}`) ?? 0) + inc.by);
    const p = raw.pipeline();
    for (const [k, by] of sums) {
      const [bucket, field] = k.split('|') as [string, string];
      p.hincrby(`${prefix}:raw:${bucket}`, field, by);
    }
    await p.exec();
  });
});
