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
  /** the store loses all its data while clients stay connected (Redis FLUSHALL, a restart without persistence) */
  loseEverything(): Promise<void>;
}

export type StoreFactory = (options: { bucketTtlMs: number }) => Promise<StoreFixture>;

const HOUR = 3_600_000;
const T0 = 1_735_689_600_000; // 2025-01-01T00:00Z, a bucket start
const MIN = 60_000;

/**
 * The store contract (SPEC.md S1..S19) as one suite; each implementation runs it in one line:
 * `runStoreContract('memory', async (o) => ...)`. Every test uses its own group names, so
 * suites may run in parallel against one Redis.
 */
export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    let group: string;
    const extra: StoreFixture[] = [];
    /** each group's epoch (S16), opened before its first batch */
    const epochs = new Map<string, string>();
    const open = async (g: string) => epochs.set(g, (await store.openEpoch(g)).epoch);

    beforeEach(async () => {
      fx = await factory({ bucketTtlMs: 2 * HOUR });
      store = fx.store;
      group = uniqueName('grp');
      epochs.clear();
      await open(group);
    });
    afterEach(async () => {
      await fx.cleanup();
      for (const f of extra.splice(0)) await f.cleanup();
    });

    const batch = (over: Partial<StageBatch> = {}): StageBatch => ({
      group,
      epoch: epochs.get(over.group ?? group) ?? 'not-opened',
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

    it('S5: a gap (fromOffset beyond the stored offset) is refused and changes nothing', async () => {
      await store.applyBatch(batch());
      const before = await everything();
      const err = await expectCode(
        store.applyBatch(
          batch({ fromOffset: 10, nextOffset: 12, increments: [{ bucket: T0, field: 'events', by: 5 }] }),
        ),
        ErrorCodes.STORE_OFFSET_GAP,
      );
      expect(err.details).toMatchObject({ storedNextOffset: 3, fromOffset: 10 });
      expect(plain(await everything())).toEqual(plain(before));
    });

    it('S5: an accepted gap applies and counts the lost records under E_STREAM_RECORDS_LOST', async () => {
      await store.applyBatch(batch());
      const gapBatch = batch({
        fromOffset: 10,
        nextOffset: 12,
        increments: [{ bucket: T0, field: 'events', by: 5 }],
        dropped: {},
        acceptGap: true,
      });
      expect(await store.applyBatch(gapBatch)).toBe('applied');
      const r = await everything();
      expect(r.progress['city.events.v1:0']?.nextOffset).toBe(12);
      expect(r.buckets.get(T0)?.events).toBe(7);
      expect(r.dropped).toEqual({ E_EVT_TOO_LATE: 1, E_STREAM_RECORDS_LOST: 7 });
      // a first batch of a partition has nothing to be a gap against
      expect(await store.applyBatch(batch({ partition: 5, fromOffset: 40, nextOffset: 41 }))).toBe('applied');
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
      expect(plain(empty)).toEqual({ buckets: {}, progress: {}, updatedAt: null, dropped: {}, rebuilding: false });
    });

    it('S10: groups are isolated from each other', async () => {
      const other = `${group}-rebuild`;
      await open(other);
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

    it('S12: a claim is pending under its owner until confirmed, then a duplicate; repeated ids, empty lists', async () => {
      const [a, b] = [`${uniqueName('src')}/1`, `${uniqueName('src')}/2`];
      const A = { owner: uniqueName('owner-a'), leaseMs: 60_000 };
      const B = { owner: uniqueName('owner-b'), leaseMs: 60_000 };
      expect(await store.claimEventIds([a, b, a], A)).toEqual(['claimed', 'claimed', 'pending']);
      expect(await store.claimEventIds([a, b], B)).toEqual(['pending', 'pending']);
      expect(await store.confirmEventIds([b], A.owner, 60_000)).toEqual([true]);
      const peer = await fx.peer();
      expect(await peer.claimEventIds([a, b], B)).toEqual(['pending', 'duplicate']);
      expect(await store.releaseEventIds([a], A.owner)).toEqual([true]);
      expect(await peer.claimEventIds([a, b], B)).toEqual(['claimed', 'duplicate']);
      expect(await store.claimEventIds([], A)).toEqual([]);
      expect(await store.renewEventIds([], A)).toEqual([]);
      expect(await store.confirmEventIds([], A.owner, 60_000)).toEqual([]);
      expect(await store.releaseEventIds([], A.owner)).toEqual([]);
    });

    it('S12: only the owner renews, confirms or releases a pending claim; a non-owner changes nothing', async () => {
      const [a, b] = [`${uniqueName('src')}/1`, `${uniqueName('src')}/2`];
      const A = { owner: uniqueName('owner-a'), leaseMs: 60_000 };
      const B = { owner: uniqueName('owner-b'), leaseMs: 60_000 };
      const C = { owner: uniqueName('owner-c'), leaseMs: 60_000 };
      const peer = await fx.peer();
      expect(await store.claimEventIds([a, b], A)).toEqual(['claimed', 'claimed']);
      expect(await peer.confirmEventIds([a], B.owner, 60_000)).toEqual([false]);
      expect(await peer.releaseEventIds([a], B.owner)).toEqual([false]);
      expect(await peer.renewEventIds([a], B)).toEqual([false]);
      expect(await peer.claimEventIds([a], C)).toEqual(['pending']);
      expect(await store.renewEventIds([a, b], A)).toEqual([true, true]);
      expect(await store.confirmEventIds([a], A.owner, 60_000)).toEqual([true]);
      // a re-sent confirm of the owner is harmless; nobody releases or renews a confirmed id
      expect(await store.confirmEventIds([a], A.owner, 60_000)).toEqual([true]);
      expect(await peer.confirmEventIds([a], B.owner, 60_000)).toEqual([false]);
      expect(await store.releaseEventIds([a], A.owner)).toEqual([false]);
      expect(await store.renewEventIds([a], A)).toEqual([false]);
      expect(await peer.claimEventIds([a, b], C)).toEqual(['duplicate', 'pending']);
    });

    it('S12: a pending claim lapses after its lease unless its owner renews it (taken over as lapsed, with when it was taken); a confirmed one after its ttl', async () => {
      const [c, d, e] = [`${uniqueName('src')}/3`, `${uniqueName('src')}/4`, `${uniqueName('src')}/5`];
      const A = { owner: uniqueName('owner-a'), leaseMs: 600 };
      const B = { owner: uniqueName('owner-b'), leaseMs: 60_000 };
      const takenAt = Date.now();
      expect(await store.claimEventIds([c, d, e], A)).toEqual(['claimed', 'claimed', 'claimed']);
      expect(await store.confirmEventIds([d], A.owner, 600)).toEqual([true]);
      await sleep(300);
      expect(await store.renewEventIds([c], A)).toEqual([true]);
      await sleep(450);
      // e lapsed and d's confirmation expired at ~600 ms; c was renewed at ~300 ms until ~900 ms
      const results = await store.claimEventIds([c, d, e], B);
      expect(results.slice(0, 2)).toEqual(['pending', 'claimed']);
      const lapsed = results[2] as { lapsedSince: number };
      expect(Math.abs(lapsed.lapsedSince - takenAt)).toBeLessThan(1_000);
      // the take-over is B's claim now: a third owner sees it pending
      expect(await store.claimEventIds([e], { owner: uniqueName('owner-c'), leaseMs: 1_000 })).toEqual(['pending']);
      // renewals keep the time a claim was first taken
      await sleep(700);
      const again = (await store.claimEventIds([c], B))[0] as { lapsedSince: number };
      expect(Math.abs(again.lapsedSince - takenAt)).toBeLessThan(1_000);
    });

    it('S12: a confirm after the lease lapsed wins while nobody claimed the id since, and changes nothing once another owner did', async () => {
      const [f, g, h] = [`${uniqueName('src')}/6`, `${uniqueName('src')}/7`, `${uniqueName('src')}/8`];
      const A = { owner: uniqueName('owner-a'), leaseMs: 150 };
      const B = { owner: uniqueName('owner-b'), leaseMs: 60_000 };
      const C = { owner: uniqueName('owner-c'), leaseMs: 60_000 };
      const peer = await fx.peer();
      expect(await store.claimEventIds([f, g, h], A)).toEqual(['claimed', 'claimed', 'claimed']);
      await sleep(350);
      expect(await peer.claimEventIds([g], B)).toEqual([{ lapsedSince: expect.any(Number) }]);
      expect(await store.confirmEventIds([f, g], A.owner, 60_000)).toEqual([true, false]);
      expect(await store.releaseEventIds([g], A.owner)).toEqual([false]);
      expect(await store.renewEventIds([g], A)).toEqual([false]);
      // a lapsed claim nobody took is the owner's again when it renews in time for its publish
      expect(await store.renewEventIds([h], { ...A, leaseMs: 60_000 })).toEqual([true]);
      expect(await peer.claimEventIds([f, g, h], C)).toEqual(['duplicate', 'pending', 'pending']);
      expect(await peer.confirmEventIds([g], B.owner, 60_000)).toEqual([true]);
      expect(await peer.claimEventIds([g], C)).toEqual(['duplicate']);
    });

    it('S12: racing claims of one id from two clients: exactly one is claimed', async () => {
      const peer = await fx.peer();
      const ids = Array.from({ length: 50 }, (_, i) => `${uniqueName('src')}/${i}`);
      const [x, y] = await Promise.all([
        store.claimEventIds(ids, { owner: uniqueName('owner-a'), leaseMs: 60_000 }),
        peer.claimEventIds(ids, { owner: uniqueName('owner-b'), leaseMs: 60_000 }),
      ]);
      ids.forEach((_, i) => expect([x[i], y[i]].filter((r) => r === 'claimed')).toHaveLength(1));
    });

    it('S13: buckets expire the ttl after their last write; offsets do not', async () => {
      const short = await factory({ bucketTtlMs: 600 });
      extra.push(short);
      const s = short.store;
      epochs.set(group, (await s.openEpoch(group)).epoch);
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
      await s.applyBatch(batch({ fromOffset: 1, nextOffset: 2, increments: [{ bucket: T0, field: 'events', by: 1 }] }));
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
      await expectCode(own.store.claimEventIds(['a/1'], { owner: 'o', leaseMs: 1_000 }), ErrorCodes.STORE_UNAVAILABLE);
    });

    it('S16: openEpoch creates the epoch once; a batch on another epoch is refused as state lost', async () => {
      const first = await store.openEpoch(group);
      expect(first).toEqual({ epoch: epochs.get(group), created: false });
      const peer = await fx.peer();
      expect((await peer.openEpoch(group)).epoch).toBe(first.epoch);
      const fresh = uniqueName('grp');
      const racing = await Promise.all([store.openEpoch(fresh), peer.openEpoch(fresh)]);
      expect(racing.map((r) => r.created).sort()).toEqual([false, true]);
      expect(racing[0]!.epoch).toBe(racing[1]!.epoch);
      await store.applyBatch(batch());
      const before = await everything();
      await expectCode(
        store.applyBatch(batch({ fromOffset: 3, nextOffset: 4, epoch: 'stale' })),
        ErrorCodes.STORE_STATE_LOST,
      );
      expect(plain(await everything())).toEqual(plain(before));
    });

    it('S16: after the store lost its data, old-epoch batches are refused and openEpoch reports a new epoch', async () => {
      await store.applyBatch(batch());
      await fx.loseEverything();
      await expectCode(store.applyBatch(batch({ fromOffset: 3, nextOffset: 4 })), ErrorCodes.STORE_STATE_LOST);
      expect((await everything()).buckets.size).toBe(0);
      const again = await store.openEpoch(group);
      expect(again.created).toBe(true);
      expect(again.epoch).not.toBe(epochs.get(group));
    });

    it('S21: gauges move with the offsets, sum across partitions, never expire and vanish at 0', async () => {
      await store.applyBatch(
        batch({
          gauges: [
            { field: 'c|wl.n', by: 2 },
            { field: 'c|wl.bin:31', by: 1 },
            { field: 'c|wl.n', by: 1 },
          ],
        }),
      );
      await store.applyBatch(batch({ partition: 1, gauges: [{ field: 'c|wl.n', by: 4 }] }));
      expect(await store.readGauges(group)).toEqual({ 'c|wl.n': 7, 'c|wl.bin:31': 1 });
      // a redelivered batch, a conflict and an invalid move write nothing
      await store.applyBatch(batch({ gauges: [{ field: 'c|wl.n', by: 100 }] }));
      await store
        .applyBatch(batch({ fromOffset: 2, nextOffset: 6, gauges: [{ field: 'c|wl.n', by: 100 }] }))
        .catch(() => undefined);
      await expect(
        store.applyBatch(batch({ fromOffset: 3, nextOffset: 4, gauges: [{ field: 'x', by: 0.5 }] })),
      ).rejects.toThrow(/gauge/);
      // moving the highest bin down: the old bin is gone, not left at 0
      await store.applyBatch(
        batch({
          fromOffset: 3,
          nextOffset: 4,
          gauges: [
            { field: 'c|wl.bin:31', by: -1 },
            { field: 'c|wl.bin:12', by: 1 },
          ],
        }),
      );
      expect(await store.readGauges(group)).toEqual({ 'c|wl.n': 7, 'c|wl.bin:12': 1 });
      await expect(
        store.applyBatch(
          batch({ fromOffset: 4, nextOffset: 5, gauges: [{ field: 'c|wl.n', by: Number.MAX_SAFE_INTEGER }] }),
        ),
      ).rejects.toThrow(/safe integer/);
      expect(await store.readGauges(group)).toEqual({ 'c|wl.n': 7, 'c|wl.bin:12': 1 });
      expect(await store.readGauges(uniqueName('none'))).toEqual({});
    });

    it('S17: keyed state is written and deleted with the offsets, per partition, and read back', async () => {
      await store.applyBatch(
        batch({
          stateSet: [
            ['van:1', '{"a":1}'],
            ['van:2', 'x'],
          ],
        }),
      );
      await store.applyBatch(batch({ partition: 1, stateSet: [['van:9', 'p1']] }));
      await store.applyBatch(
        batch({ fromOffset: 3, nextOffset: 5, stateSet: [['van:1', '{"a":2}']], stateDel: ['van:2'] }),
      );
      expect(Object.fromEntries(await store.readState(group, 'city.events.v1', 0))).toEqual({ 'van:1': '{"a":2}' });
      expect(Object.fromEntries(await store.readState(group, 'city.events.v1', 1))).toEqual({ 'van:9': 'p1' });
      expect((await store.readState(group, 'city.events.v1', 7)).size).toBe(0);
      // refused batches write no state
      await store.applyBatch(batch({ fromOffset: 3, nextOffset: 5, stateSet: [['van:3', 'dup']] }));
      await store
        .applyBatch(batch({ fromOffset: 4, nextOffset: 6, stateSet: [['van:4', 'conflict']] }))
        .catch(() => undefined);
      expect([...(await store.readState(group, 'city.events.v1', 0)).keys()]).toEqual(['van:1']);
      const many: Array<[string, string]> = Array.from({ length: 2_500 }, (_, i) => [`k${i}`, String(i)]);
      await store.applyBatch(batch({ partition: 2, stateSet: many }));
      expect((await store.readState(group, 'city.events.v1', 2)).size).toBe(2_500);
    });

    it('S18: outbox records are appended with the batch, once, and acknowledged up to an id', async () => {
      const rec = (n: number) => ({
        id: `${group}/p0/${n}`,
        topic: 'city.dlq.v1',
        key: n % 2 ? null : 'k',
        value: `v${n}`,
      });
      await store.applyBatch(batch({ outbox: [rec(0), rec(1)] }));
      await store.applyBatch(batch({ outbox: [rec(0), rec(1)] })); // a duplicate adds nothing
      await store.applyBatch(batch({ fromOffset: 3, nextOffset: 4, outbox: [rec(2)] }));
      expect(await store.outboxSize(group)).toBe(3);
      expect(await store.readOutbox(group, 2)).toEqual([rec(0), rec(1)]);
      const peer = await fx.peer();
      await Promise.all([store.ackOutbox(group, rec(1).id), peer.ackOutbox(group, rec(1).id)]);
      expect(await store.readOutbox(group, 10)).toEqual([rec(2)]);
      await store.ackOutbox(group, 'not-there');
      expect(await store.outboxSize(group)).toBe(1);
      await store.ackOutbox(group, rec(2).id);
      expect(await store.readOutbox(group, 10)).toEqual([]);
    });

    it('S18b: an acknowledgement deep in a long outbox removes exactly up to its id', async () => {
      // ids that are text inside other ids and values, past several read chunks, and one with a quote
      const rec = (n: number) => ({
        id: n === 450 ? `${group}/"q"\\/${n}` : `${group}/p0/${n}`,
        topic: 'city.dlq.v1',
        key: null,
        value: n === 5 ? `mentions ${group}/p0/300 and ${group}/p0/301` : `v${n}`,
      });
      await store.applyBatch(batch({ outbox: Array.from({ length: 600 }, (_, n) => rec(n)) }));
      await store.ackOutbox(group, `${group}/p0/30`); // a prefix of …/300 (and of …/301)
      expect(await store.outboxSize(group)).toBe(569);
      await store.ackOutbox(group, `${group}/p0/300`); // also named inside rec(5)'s value, gone already
      expect(await store.outboxSize(group)).toBe(299);
      expect((await store.readOutbox(group, 1))[0]).toEqual(rec(301));
      await store.ackOutbox(group, `${group}/p0/3000`);
      expect(await store.outboxSize(group)).toBe(299);
      await store.ackOutbox(group, rec(450).id);
      expect(await store.readOutbox(group, 1)).toEqual([rec(451)]);
      expect(await store.outboxSize(group)).toBe(149);
    });

    it('S19: a partition marked for rebuild reads as rebuilding until a batch reaches the mark', async () => {
      await store.applyBatch(batch());
      expect((await everything()).rebuilding).toBe(false);
      await store.markRebuild(group, 'city.events.v1', 0, 2); // already past: no mark
      expect((await everything()).rebuilding).toBe(false);
      await store.markRebuild(group, 'city.events.v1', 0, 8);
      await store.markRebuild(group, 'city.events.v1', 1, 1);
      expect((await everything()).rebuilding).toBe(true);
      await store.applyBatch(batch({ fromOffset: 3, nextOffset: 8 }));
      expect((await everything()).rebuilding).toBe(true);
      await store.applyBatch(batch({ partition: 1, fromOffset: 0, nextOffset: 1 }));
      expect((await everything()).rebuilding).toBe(false);
    });

    it('S20: dropGroup deletes all the group holds and nothing of another group', async () => {
      const other = uniqueName('grp');
      await open(other);
      const rec = (n: number) => ({ id: `o-${n}`, topic: 'city.dlq.v1', key: null, value: `v${n}` });
      await store.applyBatch(batch({ stateSet: [['k', 'v']], outbox: [rec(1)] }));
      await store.applyBatch(batch({ partition: 1, nextOffset: 2, stateSet: [['k1', 'v1']] }));
      await store.markRebuild(group, 'city.events.v1', 2, 9);
      await store.applyBatch(batch({ group: other, stateSet: [['k', 'other']], outbox: [rec(2)] }));
      const otherBefore = plain(await everything(other));
      expect(otherBefore.buckets).not.toEqual({});

      await store.dropGroup(group);
      expect(plain(await everything())).toEqual({
        buckets: {},
        progress: {},
        updatedAt: null,
        dropped: {},
        rebuilding: false,
      });
      expect(await store.readProgress(group)).toEqual({});
      expect(await store.readState(group, 'city.events.v1', 0)).toEqual(new Map());
      expect(await store.readState(group, 'city.events.v1', 1)).toEqual(new Map());
      expect(await store.outboxSize(group)).toBe(0);
      // it reads as a group never seen: a new epoch, and an apply on the old one is refused
      const oldEpoch = epochs.get(group)!;
      await expectCode(store.applyBatch(batch({ fromOffset: 3, nextOffset: 4 })), ErrorCodes.STORE_STATE_LOST);
      const reopened = await store.openEpoch(group);
      expect(reopened.created).toBe(true);
      expect(reopened.epoch).not.toBe(oldEpoch);
      // the other group is as it was
      expect(plain(await everything(other))).toEqual(otherBefore);
      expect(await store.readState(other, 'city.events.v1', 0)).toEqual(new Map([['k', 'other']]));
      expect(await store.outboxSize(other)).toBe(1);
      // dropping a group the store does not know is a no-op
      await store.dropGroup(uniqueName('none'));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
