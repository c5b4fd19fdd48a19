import { isCityopsError, ErrorCodes } from '@cityops/schema';
import type { CityopsError } from '@cityops/schema';
import { uniqueName } from '@cityops/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store, StageBatch, VitalsRead } from '../port.js';

/** What a backend gives the contract suite for one test. */
export interface StoreFixture {
  /** the store under test */
  store: Store;
  /**
   * Another client on the same data, as a second process would open it. The embedded store lives
   * in one process, so its fixture returns the same instance: concurrency is concurrent calls.
   */
  peer(): Promise<Store>;
  /** closes every client and deletes everything they wrote */
  cleanup(): Promise<void>;
}

export type StoreFactory = (options: { bucketTtlMs: number }) => Promise<StoreFixture>;

const HOUR = 3_600_000;
const T0 = 1_735_689_600_000; // 2025-01-01T00:00Z, a bucket start
const MIN = 60_000;

/**
 * The store contract (SPEC.md S1..S15) as one suite; each implementation runs it in one line:
 * `runStoreContract('memory', async (o) => ...)`. Every test uses its own group names, so
 * suites may run in parallel against one Redis.
 */
export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    let group: string;
    const extra: StoreFixture[] = [];

    beforeEach(async () => {
      fx = await factory({ bucketTtlMs: 2 * HOUR });
      store = fx.store;
      group = uniqueName('grp');
    });
    afterEach(async () => {
      await fx.cleanup();
      for (const f of extra.splice(0)) await f.cleanup();
    });

    const batch = (over: Partial<StageBatch> = {}): StageBatch => ({
      group,
      topic: 'city.events.v1',
      partition: 0,
      fromOffset: 0,
      nextOffset: 3,
      increments: [
        { bucket: T0, field: 'events', by: 2 },
        { bucket: T0, field: 'complaints', by: 1 },
        { bucket: T0 + MIN, field: 'events', by: 1 },
      ],
      watermark: T0 + MIN + 5_000,
      dropped: { E_EVT_TOO_LATE: 1 },
      ...over,
    });
    const everything = (g = group): Promise<VitalsRead> => store.readVitals(g, 0, Number.MAX_SAFE_INTEGER);
    const plain = (r: VitalsRead) => ({ ...r, buckets: Object.fromEntries(r.buckets) });
    const expectCode = async (p: Promise<unknown>, code: string): Promise<CityopsError> => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCityopsError(err) ? err.code : err).toBe(code);
      return err as CityopsError;
    };

    it('S1: a batch applies its increments, offset, watermark and dropped counts together', async () => {
      const before = Date.now();
      expect(await store.applyBatch(batch())).toBe('applied');
      const r = await everything();
      expect(Object.fromEntries(r.buckets)).toEqual({ [T0]: { events: 2, complaints: 1 }, [T0 + MIN]: { events: 1 } });
      expect(r.progress).toEqual({ 'city.events.v1:0': { nextOffset: 3, watermark: T0 + MIN + 5_000 } });
      expect(r.dropped).toEqual({ E_EVT_TOO_LATE: 1 });
      expect(r.updatedAt).toBeGreaterThanOrEqual(before - 1_000);
    });

    it.each([
      [
        'a non-finite increment',
        {
          increments: [
            { bucket: T0, field: 'events', by: 1 },
            { bucket: T0, field: 'x', by: Number.POSITIVE_INFINITY },
          ],
        },
      ],
      [
        'a NaN increment',
        {
          increments: [
            { bucket: T0, field: 'events', by: 1 },
            { bucket: T0, field: 'x', by: Number.NaN },
          ],
        },
      ],
      [
        'a fractional increment (counters are integers)',
        {
          increments: [
            { bucket: T0, field: 'events', by: 0.5 },
            { bucket: T0, field: 'events', by: 0.5 },
          ],
        },
      ],
      ['an unsafe integer increment', { increments: [{ bucket: T0, field: 'events', by: 2 ** 53 }] }],
      [
        'an empty field',
        {
          increments: [
            { bucket: T0, field: 'events', by: 1 },
            { bucket: T0, field: '', by: 1 },
          ],
        },
      ],
      ['a negative bucket', { increments: [{ bucket: -1, field: 'events', by: 1 }] }],
      ['nextOffset before fromOffset', { fromOffset: 5, nextOffset: 4 }],
      ['a negative offset', { fromOffset: -1 }],
      ['a non-finite watermark', { watermark: Number.NaN }],
      ['a non-finite dropped count', { dropped: { E_EVT_TOO_LATE: 1, E_EVT_SCHEMA: Number.POSITIVE_INFINITY } }],
    ] as Array<[string, Partial<StageBatch>]>)(
      'S2: an invalid batch (%s) changes nothing at all',
      async (_what, bad) => {
        await store.applyBatch(batch());
        const before = await everything();
        const err = await store.applyBatch(batch({ fromOffset: 3, nextOffset: 6, ...bad })).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RangeError);
        expect(plain(await everything())).toEqual(plain(before));
      },
    );

    it('S2: a batch that would push a counter out of the safe integer range changes nothing at all', async () => {
      await store.applyBatch(batch({ increments: [{ bucket: T0, field: 'big', by: Number.MAX_SAFE_INTEGER }] }));
      const before = await everything();
      const err = await store
        .applyBatch(
          batch({
            fromOffset: 3,
            nextOffset: 4,
            increments: [
              { bucket: T0 + MIN, field: 'events', by: 1 },
              { bucket: T0, field: 'big', by: 1 },
            ],
          }),
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect(plain(await everything())).toEqual(plain(before));
      expect((await everything()).buckets.get(T0)?.big).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('S3: a re-applied batch is a duplicate and counts nothing twice', async () => {
      expect(await store.applyBatch(batch())).toBe('applied');
      const once = await everything();
      expect(await store.applyBatch(batch())).toBe('duplicate');
      // a batch entirely behind the stored offset is a duplicate too
      expect(await store.applyBatch(batch({ fromOffset: 0, nextOffset: 2 }))).toBe('duplicate');
      expect(plain(await everything())).toEqual(plain(once));
    });

    it('S4: a partial overlap is a conflict and changes nothing', async () => {
      await store.applyBatch(batch());
      const before = await everything();
      const err = await expectCode(
        store.applyBatch(batch({ fromOffset: 2, nextOffset: 5 })),
        ErrorCodes.STORE_OFFSET_CONFLICT,
      );
      expect(err.details).toMatchObject({ storedNextOffset: 3, fromOffset: 2, nextOffset: 5 });
      expect(plain(await everything())).toEqual(plain(before));
    });

    it('S5: a gap (fromOffset beyond the stored offset) is applied', async () => {
      await store.applyBatch(batch());
      expect(
        await store.applyBatch(
          batch({ fromOffset: 10, nextOffset: 12, increments: [{ bucket: T0, field: 'events', by: 5 }], dropped: {} }),
        ),
      ).toBe('applied');
      const r = await everything();
      expect(r.progress['city.events.v1:0']?.nextOffset).toBe(12);
      expect(r.buckets.get(T0)?.events).toBe(7);
    });

    it('S6: progress reads back per partition', async () => {
      await store.applyBatch(batch({ partition: 0, nextOffset: 3 }));
      await store.applyBatch(batch({ partition: 1, nextOffset: 7, watermark: null }));
      await store.applyBatch(batch({ topic: 'city.alerts.v1', partition: 0, nextOffset: 1, watermark: T0 }));
      expect(await store.readProgress(group)).toEqual({
        'city.events.v1:0': { nextOffset: 3, watermark: T0 + MIN + 5_000 },
        'city.events.v1:1': { nextOffset: 7, watermark: null },
        'city.alerts.v1:0': { nextOffset: 1, watermark: T0 },
      });
      expect(await store.readProgress(uniqueName('never-applied'))).toEqual({});
    });

    it('S7: the watermark only moves forward, and null keeps it', async () => {
      await store.applyBatch(batch({ fromOffset: 0, nextOffset: 1, watermark: T0 + 10 }));
      await store.applyBatch(batch({ fromOffset: 1, nextOffset: 2, watermark: T0 + 5 }));
      expect((await store.readProgress(group))['city.events.v1:0']).toEqual({ nextOffset: 2, watermark: T0 + 10 });
      await store.applyBatch(batch({ fromOffset: 2, nextOffset: 3, watermark: null }));
      expect((await store.readProgress(group))['city.events.v1:0']).toEqual({ nextOffset: 3, watermark: T0 + 10 });
      await store.applyBatch(batch({ fromOffset: 3, nextOffset: 4, watermark: T0 + 20 }));
      expect((await store.readProgress(group))['city.events.v1:0']).toEqual({ nextOffset: 4, watermark: T0 + 20 });
    });

    it('S8: dropped counts add up across batches and reasons', async () => {
      await store.applyBatch(batch({ fromOffset: 0, nextOffset: 1, dropped: { E_EVT_TOO_LATE: 2 } }));
      await store.applyBatch(
        batch({ fromOffset: 1, nextOffset: 2, dropped: { E_EVT_TOO_LATE: 3, E_EVT_OUTSIDE_CITY: 1 } }),
      );
      await store.applyBatch(batch({ fromOffset: 2, nextOffset: 3, dropped: {} }));
      expect((await everything()).dropped).toEqual({ E_EVT_TOO_LATE: 5, E_EVT_OUTSIDE_CITY: 1 });
    });

    it('S9: readVitals returns exactly the buckets in [from, to] with exact sums', async () => {
      const increments = [];
      for (let m = 0; m < 10; m++)
        for (let k = 0; k <= m; k++) increments.push({ bucket: T0 + m * MIN, field: 'events', by: 1 });
      increments.push(
        { bucket: T0 + 3 * MIN, field: 'zero', by: 0 },
        { bucket: T0 + 4 * MIN, field: 'neg', by: -4 },
        { bucket: T0 + 4 * MIN, field: 'max', by: Number.MAX_SAFE_INTEGER },
      );
      await store.applyBatch(batch({ increments, nextOffset: 100 }));
      const r = await store.readVitals(group, T0 + 2 * MIN, T0 + 5 * MIN);
      expect([...r.buckets.keys()].sort((a, b) => a - b)).toEqual([
        T0 + 2 * MIN,
        T0 + 3 * MIN,
        T0 + 4 * MIN,
        T0 + 5 * MIN,
      ]);
      expect(Object.fromEntries(r.buckets)).toEqual({
        [T0 + 2 * MIN]: { events: 3 },
        [T0 + 3 * MIN]: { events: 4, zero: 0 },
        [T0 + 4 * MIN]: { events: 5, neg: -4, max: Number.MAX_SAFE_INTEGER },
        [T0 + 5 * MIN]: { events: 6 },
      });
      expect((await store.readVitals(group, T0 + 2 * MIN + 1, T0 + 3 * MIN - 1)).buckets.size).toBe(0);
      const empty = await store.readVitals(uniqueName('never-applied'), 0, Number.MAX_SAFE_INTEGER);
      expect(plain(empty)).toEqual({ buckets: {}, progress: {}, updatedAt: null, dropped: {} });
    });

    it('S10: groups are isolated from each other', async () => {
      const other = `${group}-rebuild`;
      await store.applyBatch(batch());
      expect(
        await store.applyBatch(batch({ group: other, increments: [{ bucket: T0, field: 'events', by: 9 }] })),
      ).toBe('applied');
      expect((await everything()).buckets.get(T0)).toEqual({ events: 2, complaints: 1 });
      expect((await everything(other)).buckets.get(T0)).toEqual({ events: 9 });
      expect((await everything(other)).dropped).toEqual({ E_EVT_TOO_LATE: 1 });
    });

    it('S11: two clients racing to apply the same batch: exactly one applies', async () => {
      const peer = await fx.peer();
      for (let round = 0; round < 20; round++) {
        const b = batch({ fromOffset: round * 3, nextOffset: round * 3 + 3 });
        const results = await Promise.all([store.applyBatch(b), peer.applyBatch(b)]);
        expect(results.sort()).toEqual(['applied', 'duplicate']);
      }
      const r = await everything();
      expect(r.buckets.get(T0)).toEqual({ events: 40, complaints: 20 });
      expect(r.dropped).toEqual({ E_EVT_TOO_LATE: 20 });
      // overlapping batches from two consumers: one wins, the other is told
      const outcomes = await Promise.allSettled([
        store.applyBatch(batch({ fromOffset: 60, nextOffset: 63 })),
        peer.applyBatch(batch({ fromOffset: 61, nextOffset: 64 })),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'applied')).toHaveLength(1);
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      for (const o of rejected) expect(isCityopsError(o.reason, ErrorCodes.STORE_OFFSET_CONFLICT)).toBe(true);
    });

    it('S12: a claim is pending until confirmed, then a duplicate; released ids are free again', async () => {
      const a = `${uniqueName('src')}/1`;
      const b = `${uniqueName('src')}/2`;
      expect(await store.claimEventIds([a, b, a], 60_000)).toEqual(['claimed', 'claimed', 'pending']);
      expect(await store.claimEventIds([a, b], 60_000)).toEqual(['pending', 'pending']);
      await store.confirmEventIds([b], 60_000);
      const peer = await fx.peer();
      expect(await peer.claimEventIds([a, b], 60_000)).toEqual(['pending', 'duplicate']);
      await store.releaseEventIds([a]);
      expect(await store.claimEventIds([a, b], 60_000)).toEqual(['claimed', 'duplicate']);
      expect(await store.claimEventIds([], 60_000)).toEqual([]);
      await store.confirmEventIds([], 60_000);
      await store.releaseEventIds([]);
    });

    it('S12: an unconfirmed claim lapses after its pending ttl (a publisher that died); a confirmed one after its ttl', async () => {
      const c = `${uniqueName('src')}/3`;
      const d = `${uniqueName('src')}/4`;
      expect(await store.claimEventIds([c, d], 150)).toEqual(['claimed', 'claimed']);
      await store.confirmEventIds([d], 150);
      expect(await store.claimEventIds([c, d], 150)).toEqual(['pending', 'duplicate']);
      await sleep(400);
      expect(await store.claimEventIds([c, d], 60_000)).toEqual(['claimed', 'claimed']);
    });

    it('S12: racing claims of one id from two clients: exactly one is claimed', async () => {
      const peer = await fx.peer();
      const ids = Array.from({ length: 50 }, (_, i) => `${uniqueName('src')}/${i}`);
      const [x, y] = await Promise.all([store.claimEventIds(ids, 60_000), peer.claimEventIds(ids, 60_000)]);
      ids.forEach((_, i) => expect([x[i], y[i]].filter((r) => r === 'claimed')).toHaveLength(1));
    });

    it('S13: buckets expire the ttl after their last write; offsets do not', async () => {
      const short = await factory({ bucketTtlMs: 600 });
      extra.push(short);
      const s = short.store;
      await s.applyBatch(
        batch({
          fromOffset: 0,
          nextOffset: 1,
          increments: [
            { bucket: T0, field: 'events', by: 1 },
            { bucket: T0 + MIN, field: 'events', by: 1 },
          ],
        }),
      );
      await sleep(350);
      // a write to T0 renews it; T0 + MIN is left to expire
      await s.applyBatch(
        batch({ fromOffset: 1, nextOffset: 2, increments: [{ bucket: T0, field: 'events', by: 1 }] }),
      );
      await sleep(400);
      const mid = await s.readVitals(group, 0, Number.MAX_SAFE_INTEGER);
      expect(Object.fromEntries(mid.buckets)).toEqual({ [T0]: { events: 2 } });
      await sleep(400);
      const late = await s.readVitals(group, 0, Number.MAX_SAFE_INTEGER);
      expect(late.buckets.size).toBe(0);
      expect(late.progress['city.events.v1:0']?.nextOffset).toBe(2);
      expect(late.dropped).toEqual({ E_EVT_TOO_LATE: 2 });
    });

    it('S14: updatedAt is set by an applied batch only', async () => {
      expect((await everything()).updatedAt).toBeNull();
      const before = Date.now();
      await store.applyBatch(batch());
      const first = (await everything()).updatedAt!;
      expect(first).toBeGreaterThanOrEqual(before - 1_000);
      expect(first).toBeLessThanOrEqual(Date.now() + 1_000);
      await sleep(20);
      await store.applyBatch(batch());
      await store.applyBatch(batch({ fromOffset: 1, nextOffset: 4 })).catch(() => undefined);
      expect((await everything()).updatedAt).toBe(first);
      await store.applyBatch(batch({ fromOffset: 3, nextOffset: 4 }));
      expect((await everything()).updatedAt!).toBeGreaterThan(first);
    });

    it('S15: health is ok while open; after close every call fails with E_STORE_UNAVAILABLE', async () => {
      const own = await factory({ bucketTtlMs: HOUR });
      extra.push(own);
      expect((await own.store.health()).ok).toBe(true);
      await own.store.close();
      expect((await own.store.health()).ok).toBe(false);
      await expectCode(own.store.applyBatch(batch()), ErrorCodes.STORE_UNAVAILABLE);
      await expectCode(own.store.readVitals(group, 0, 1), ErrorCodes.STORE_UNAVAILABLE);
      await expectCode(own.store.claimEventIds(['a/1'], 1_000), ErrorCodes.STORE_UNAVAILABLE);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
