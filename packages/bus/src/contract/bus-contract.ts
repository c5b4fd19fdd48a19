import { ErrorCodes, isCityopsError } from '@cityops/schema';
import { eventually, uniqueName } from '@cityops/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionForKey } from '../partitioner.js';
import type { Bus, BusRecord, RecordBatch, Subscription } from '../port.js';
import { Inbox, sleep, sum } from './inbox.js';

export interface BusContractHooks {
  /** removes what a test created on a shared backend (Kafka topics and consumer groups) */
  cleanup?(names: { topics: string[]; groups: string[] }): Promise<void>;
  /** how long to wait for deliveries that must happen (default 20 s) */
  deliveryTimeoutMs?: number;
}

/**
 * The bus contract (SPEC.md, rules B1..B18) as one vitest suite. Each implementation runs it
 * whole: `runBusContract('EmbeddedBus', async () => new EmbeddedBus())`. `factory` returns a
 * fresh, open bus; every test uses its own topics and groups and closes what it opened.
 */
export function runBusContract(name: string, factory: () => Promise<Bus>, hooks: BusContractHooks = {}): void {
  describe(`bus contract: ${name}`, () => {
    const timeout = hooks.deliveryTimeoutMs ?? 20_000;
    let opened: Bus[] = [];
    let subscriptions: Subscription[] = [];
    let topics: string[] = [];
    let groups: string[] = [];

    async function openBus(): Promise<Bus> {
      const bus = await factory();
      opened.push(bus);
      return bus;
    }
    async function topic(bus: Bus, partitions: number): Promise<string> {
      const t = uniqueName('bus-contract');
      topics.push(t);
      await bus.ensureTopics([{ topic: t, partitions }]);
      return t;
    }
    function group(): string {
      const g = uniqueName('bus-group');
      groups.push(g);
      return g;
    }
    function track<S extends Subscription>(s: S): S {
      subscriptions.push(s);
      return s;
    }

    afterEach(async () => {
      await Promise.allSettled(subscriptions.map((s) => s.stop()));
      await Promise.allSettled(opened.map((b) => b.close()));
      if (hooks.cleanup) await hooks.cleanup({ topics, groups });
      opened = [];
      subscriptions = [];
      topics = [];
      groups = [];
    });

    it('B1: records arrive with key, value and headers intact, at consecutive offsets from 0', async () => {
      const bus = await openBus();
      const t = await topic(bus, 3);
      const sent: BusRecord[] = [
        { key: 'cell-1', value: '{"n":1}', headers: { 'content-type': 'application/json', source: '12345' } },
        { key: '上海市黄浦区', value: '事件 ✓', headers: {} },
        { key: null, value: 'keyless' },
        { key: '', value: '' },
        ...Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}`, headers: { i: String(i) } })),
      ];
      await bus.publish(t, sent);
      const inbox = new Inbox();
      track(await bus.subscribe({ groupId: group(), topics: [t], eachBatch: inbox.accept }));
      const got = await inbox.waitForRecords(sent.length, timeout);
      expect(got).toHaveLength(sent.length);
      const strip = (r: BusRecord) => ({ key: r.key, value: r.value, headers: r.headers ?? {} });
      expect(got.map((r) => strip(r)).sort(byValue)).toEqual(sent.map(strip).sort(byValue));
      for (const records of inbox.byPartition().values()) {
        expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => i));
      }
      for (const batch of inbox.batches) {
        expect(batch.topic).toBe(t);
        expect(batch.records.every((r) => r.topic === t && r.partition === batch.partition)).toBe(true);
        expect(batch.nextOffset).toBe(batch.records[batch.records.length - 1]!.offset + 1);
        expect(batch.highWatermark).toBeGreaterThanOrEqual(batch.nextOffset);
        expect(
          batch.records.every((r) => typeof r.timestamp === 'number' && Math.abs(r.timestamp - Date.now()) < 60_000),
        ).toBe(true);
      }
    });

    it('B2: records with one key land on one partition in publish order, also across concurrent publishes', async () => {
      const bus = await openBus();
      const t = await topic(bus, 4);
      const keys = Array.from({ length: 12 }, (_, i) => `cell-${i}`);
      // 20 publishes in flight at once, each carrying one record per key.
      await Promise.all(
        Array.from({ length: 20 }, (_, call) =>
          bus.publish(
            t,
            keys.map((key) => ({ key, value: String(call) })),
          ),
        ),
      );
      const inbox = new Inbox();
      track(await bus.subscribe({ groupId: group(), topics: [t], eachBatch: inbox.accept }));
      await inbox.waitForRecords(keys.length * 20, timeout);
      for (const key of keys) {
        const mine = inbox.records.filter((r) => r.key === key);
        expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
        expect(mine.map((r) => Number(r.value))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      }
    });

    it('B3: a keyed record lands on partitionForKey(key, partitions), as kafkajs partitions it', async () => {
      const bus = await openBus();
      const t = await topic(bus, 6);
      const records = Array.from({ length: 60 }, (_, i) => ({ key: `grid-${i * 7919}`, value: String(i) }));
      await bus.publish(t, records);
      const inbox = new Inbox();
      track(await bus.subscribe({ groupId: group(), topics: [t], eachBatch: inbox.accept }));
      await inbox.waitForRecords(records.length, timeout);
      for (const r of inbox.records) expect(r.partition).toBe(partitionForKey(r.key!, 6));
    });

    it('B4: the group offset is committed only after eachBatch resolves, as the batch nextOffset', async () => {
      const bus = await openBus();
      const t = await topic(bus, 1);
      const g = group();
      await bus.publish(t, records(5));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const inbox = new Inbox();
      track(
        await bus.subscribe({
          groupId: g,
          topics: [t],
          eachBatch: async (batch) => {
            inbox.take(batch);
            await gate;
          },
        }),
      );
      await inbox.waitForRecords(1, timeout);
      await sleep(300);
      expect(await bus.committedOffsets(g, t)).toEqual({});
      release();
      await eventually(
        async () => ((await bus.committedOffsets(g, t))[0] === 5 ? true : undefined),
        timeout,
        'commit of offset 5',
      );
      expect(inbox.batches[inbox.batches.length - 1]!.nextOffset).toBe(5);
    });

    it('B5: a restarted member of the same group resumes after the last committed offset', async () => {
      const bus = await openBus();
      const t = await topic(bus, 2);
      const g = group();
      await bus.publish(t, records(30));
      const first = new Inbox();
      const sub = await bus.subscribe({ groupId: g, topics: [t], eachBatch: first.accept });
      await first.waitForRecords(30, timeout);
      await eventually(
        async () => (sum(await bus.committedOffsets(g, t)) === 30 ? true : undefined),
        timeout,
        '30 committed',
      );
      await sub.stop();
      await bus.publish(t, records(10, 'second'));
      const second = new Inbox();
      track(await bus.subscribe({ groupId: g, topics: [t], eachBatch: second.accept }));
      await second.waitForRecords(10, timeout);
      await sleep(500);
      expect(second.records.map((r) => r.value).sort()).toEqual(
        records(10, 'second')
          .map((r) => r.value)
          .sort(),
      );
      expect(first.records).toHaveLength(30);
    });

    it('B6: a rejected batch commits nothing and is delivered again from its first record', async () => {
      const bus = await openBus();
      const t = await topic(bus, 1);
      const g = group();
      await bus.publish(t, records(10));
      let rejections = 0;
      const accepted = new Inbox();
      const attempts: number[] = [];
      track(
        await bus.subscribe({
          groupId: g,
          topics: [t],
          eachBatch: async (batch) => {
            attempts.push(batch.records[0]!.offset);
            if (rejections < 2) {
              rejections++;
              expect(await bus.committedOffsets(g, t)).toEqual({});
              throw new Error('handler failed on purpose');
            }
            accepted.take(batch);
          },
        }),
      );
      await accepted.waitForRecords(10, timeout);
      expect(attempts.slice(0, 3)).toEqual([0, 0, 0]);
      expect(accepted.records.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      await eventually(
        async () => ((await bus.committedOffsets(g, t))[0] === 10 ? true : undefined),
        timeout,
        'commit after redelivery',
      );
    });

    it('B7: eachBatch never runs twice at once for one partition, and batches follow each other without gap', async () => {
      const bus = await openBus();
      const t = await topic(bus, 3);
      const inFlight = new Set<number>();
      const nextExpected = new Map<number, number>();
      const violations: string[] = [];
      const inbox = new Inbox();
      track(
        await bus.subscribe({
          groupId: group(),
          topics: [t],
          eachBatch: async (batch) => {
            if (inFlight.has(batch.partition)) violations.push(`concurrent on ${batch.partition}`);
            inFlight.add(batch.partition);
            const expected = nextExpected.get(batch.partition) ?? 0;
            if (batch.records[0]!.offset !== expected)
              violations.push(`p${batch.partition} started at ${batch.records[0]!.offset}, expected ${expected}`);
            await sleep(15);
            inbox.take(batch);
            nextExpected.set(batch.partition, batch.nextOffset);
            inFlight.delete(batch.partition);
          },
        }),
      );
      for (let wave = 0; wave < 5; wave++) {
        await bus.publish(t, records(40, `w${wave}`));
        await sleep(20);
      }
      await inbox.waitForRecords(200, timeout);
      expect(violations).toEqual([]);
      expect(inbox.records).toHaveLength(200);
    });

    it('B8: replay from 0 delivers every record in offset order, commits nothing, and is done at the start end offsets', async () => {
      const bus = await openBus();
      const t = await topic(bus, 3);
      await bus.publish(t, records(90));
      const ends = await bus.endOffsets(t);
      const inbox = new Inbox();
      const replay = track(await bus.replay({ topic: t, eachBatch: inbox.accept }));
      await withTimeout(replay.done, timeout, 'replay done');
      for (const [partition, list] of inbox.byPartition()) {
        expect(list.map((r) => r.offset).slice(0, ends[partition])).toEqual(
          Array.from({ length: ends[partition]! }, (_, i) => i),
        );
      }
      expect(inbox.records.length).toBeGreaterThanOrEqual(90);
      // records appended after the start do not hold `done` back, and are still delivered
      await bus.publish(t, records(3, 'late'));
      await inbox.waitForRecords(93, timeout);
      expect(new Set(inbox.records.map((r) => `${r.partition}/${r.offset}`)).size).toBe(93);
    });

    it('B9: replay starts at the given offset per partition, at 0 for others, and empty partitions count as done', async () => {
      const bus = await openBus();
      const t = await topic(bus, 3);
      const keyed = (partition: number, n: number) => {
        const out: BusRecord[] = [];
        for (let i = 0; out.length < n; i++)
          if (partitionForKey(`k${i}`, 3) === partition)
            out.push({ key: `k${i}`, value: `p${partition}-${out.length}` });
        return out;
      };
      await bus.publish(t, [...keyed(0, 10), ...keyed(1, 4)]); // partition 2 stays empty
      const inbox = new Inbox();
      const replay = track(await bus.replay({ topic: t, fromOffsets: { 0: 6 }, eachBatch: inbox.accept }));
      await withTimeout(replay.done, timeout, 'replay done');
      const byPartition = inbox.byPartition();
      expect(byPartition.get(0)!.map((r) => r.offset)).toEqual([6, 7, 8, 9]);
      expect(byPartition.get(1)!.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      expect(byPartition.has(2)).toBe(false);
    });

    it('B10: two members of one group split the partitions and each record reaches exactly one of them', async () => {
      const bus = await openBus();
      const t = await topic(bus, 4);
      const g = group();
      const a = new Inbox();
      const b = new Inbox();
      track(await bus.subscribe({ groupId: g, topics: [t], eachBatch: a.accept }));
      track(await bus.subscribe({ groupId: g, topics: [t], eachBatch: b.accept }));
      const sent = Array.from({ length: 200 }, (_, i) => ({ key: `cell-${i}`, value: String(i) }));
      await bus.publish(t, sent);
      await eventually(
        () => (a.records.length + b.records.length >= 200 ? true : undefined),
        timeout,
        '200 records over two members',
      );
      await sleep(300);
      const values = [...a.records, ...b.records].map((r) => r.value);
      expect(values).toHaveLength(200);
      expect(new Set(values).size).toBe(200);
      expect(a.records.length).toBeGreaterThan(0);
      expect(b.records.length).toBeGreaterThan(0);
      const pa = new Set(a.records.map((r) => r.partition));
      expect(b.records.some((r) => pa.has(r.partition))).toBe(false);
    });

    it('B11: a group without committed offsets and fromBeginning false starts at the end', async () => {
      const bus = await openBus();
      const t = await topic(bus, 2);
      await bus.publish(t, records(20, 'old'));
      const inbox = new Inbox();
      track(await bus.subscribe({ groupId: group(), topics: [t], fromBeginning: false, eachBatch: inbox.accept }));
      await bus.publish(t, records(5, 'new'));
      await inbox.waitForRecords(5, timeout);
      await sleep(300);
      expect(inbox.records.map((r) => r.value).sort()).toEqual(
        records(5, 'new')
          .map((r) => r.value)
          .sort(),
      );
    });

    it('B12: ensureTopics is idempotent and endOffsets counts the records per partition', async () => {
      const bus = await openBus();
      const t = await topic(bus, 3);
      await bus.ensureTopics([{ topic: t, partitions: 3 }]);
      await bus.ensureTopics([{ topic: t, partitions: 5 }]); // existing topics are left as they are
      expect(await bus.endOffsets(t)).toEqual({ 0: 0, 1: 0, 2: 0 });
      const sent = records(50);
      await bus.publish(t, sent);
      const expected: Record<number, number> = { 0: 0, 1: 0, 2: 0 };
      for (const r of sent) expected[partitionForKey(r.key!, 3)]!++;
      expect(await bus.endOffsets(t)).toEqual(expected);
    });

    it('B13: a closed bus rejects publish, subscribe and replay with E_BUS_CLOSED', async () => {
      const bus = await openBus();
      const t = await topic(bus, 1);
      await bus.close();
      for (const attempt of [
        () => bus.publish(t, records(1)),
        () => bus.subscribe({ groupId: group(), topics: [t], eachBatch: async () => {} }),
        () => bus.replay({ topic: t, eachBatch: async () => {} }),
      ]) {
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isCityopsError(err, ErrorCodes.BUS_CLOSED), String(err)).toBe(true);
      }
      await bus.close(); // closing twice is harmless
    });

    it('B14: with autoCommit false the group offsets never advance', async () => {
      const bus = await openBus();
      const t = await topic(bus, 2);
      const g = group();
      await bus.publish(t, records(20));
      const inbox = new Inbox();
      track(await bus.subscribe({ groupId: g, topics: [t], autoCommit: false, eachBatch: inbox.accept }));
      await inbox.waitForRecords(20, timeout);
      await sleep(300);
      expect(await bus.committedOffsets(g, t)).toEqual({});
    });

    it('B15: startAt positions each partition exactly, over committed offsets and fromBeginning', async () => {
      const bus = await openBus();
      const t = await topic(bus, 2);
      const g = group();
      await bus.publish(t, [...keyedFor(0, 10, 2), ...keyedFor(1, 6, 2)]);
      // the group first commits everything, so kafkajs alone would start at the end
      const first = new Inbox();
      const sub = await bus.subscribe({ groupId: g, topics: [t], eachBatch: first.accept });
      await first.waitForRecords(16, timeout);
      await eventually(
        async () => (sum(await bus.committedOffsets(g, t)) === 16 ? true : undefined),
        timeout,
        '16 committed',
      );
      await sub.stop();
      const asked: string[] = [];
      const inbox = new Inbox();
      track(
        await bus.subscribe({
          groupId: g,
          topics: [t],
          fromBeginning: false,
          startAt: async (tp, partition) => {
            asked.push(`${tp}/${partition}`);
            return partition === 0 ? 7 : 2;
          },
          eachBatch: inbox.accept,
        }),
      );
      await inbox.waitForRecords(3 + 4, timeout);
      await sleep(300);
      expect(asked.sort()).toEqual([`${t}/0`, `${t}/1`]);
      const byPartition = inbox.byPartition();
      expect(byPartition.get(0)!.map((r) => r.offset)).toEqual([7, 8, 9]);
      expect(byPartition.get(1)!.map((r) => r.offset)).toEqual([2, 3, 4, 5]);
    });

    it('B15: startAt at or past the end waits for new records and delivers them from the end', async () => {
      const bus = await openBus();
      const t = await topic(bus, 1);
      await bus.publish(t, records(5));
      const inbox = new Inbox();
      track(
        await bus.subscribe({ groupId: group(), topics: [t], startAt: async () => 1_000, eachBatch: inbox.accept }),
      );
      await sleep(300);
      expect(inbox.records).toHaveLength(0);
      await bus.publish(t, records(3, 'new'));
      await inbox.waitForRecords(3, timeout);
      expect(inbox.records.map((r) => r.offset)).toEqual([5, 6, 7]);
    });

    it('B15: a rejecting startAt is asked again after the backoff; nothing of its partition comes before', async () => {
      const bus = await openBus();
      const t = await topic(bus, 2);
      await bus.publish(t, [...keyedFor(0, 5, 2), ...keyedFor(1, 5, 2)]);
      let failures = 0;
      let resolvedAt = Number.POSITIVE_INFINITY;
      const inbox = new Inbox();
      const early: number[] = [];
      track(
        await bus.subscribe({
          groupId: group(),
          topics: [t],
          startAt: async (_t, partition) => {
            if (partition === 0 && failures < 2) {
              failures++;
              throw new Error('store unavailable on purpose');
            }
            if (partition === 0) resolvedAt = Date.now();
            return 1;
          },
          eachBatch: async (batch) => {
            if (batch.partition === 0 && Date.now() < resolvedAt) early.push(batch.records[0]!.offset);
            inbox.take(batch);
          },
        }),
      );
      await inbox.waitForRecords(8, timeout);
      expect(failures).toBe(2);
      expect(early).toEqual([]);
      expect(
        inbox
          .byPartition()
          .get(0)!
          .map((r) => r.offset),
      ).toEqual([1, 2, 3, 4]);
      expect(
        inbox
          .byPartition()
          .get(1)!
          .map((r) => r.offset),
      ).toEqual([1, 2, 3, 4]);
    });

    it('B16: every rebalance revokes (onRevoke) and assigns again (startAt); with positions kept outside the bus each record is processed once', async () => {
      const bus = await openBus();
      const t = await topic(bus, 4);
      const g = group();
      // what the stream runtime does: positions live in a store, read on assignment, written with each batch
      const store = new Map<number, number>();
      const processed: string[] = [];
      const events = new Map<string, string[]>();
      const member = (name: string) => ({
        groupId: g,
        topics: [t],
        autoCommit: false,
        startAt: async (_t: string, partition: number) => {
          (
            events.get(`${name}/${partition}`) ?? events.set(`${name}/${partition}`, []).get(`${name}/${partition}`)!
          ).push('assign');
          return store.get(partition) ?? 0;
        },
        onRevoke: (_t: string, partition: number) => {
          (
            events.get(`${name}/${partition}`) ?? events.set(`${name}/${partition}`, []).get(`${name}/${partition}`)!
          ).push('revoke');
        },
        eachBatch: async (batch: RecordBatch) => {
          const at = store.get(batch.partition) ?? 0;
          if (batch.records[0]!.offset !== at)
            throw new Error(`p${batch.partition} batch at ${batch.records[0]!.offset}, store at ${at}`);
          processed.push(...batch.records.map((r) => r.value));
          store.set(batch.partition, batch.nextOffset);
        },
      });
      const a = track(await bus.subscribe(member('a')));
      await bus.publish(t, records(100, 'one'));
      await eventually(() => (processed.length >= 100 ? true : undefined), timeout, '100 processed by a');
      const b = await bus.subscribe(member('b'));
      await bus.publish(t, records(100, 'two'));
      await eventually(() => (processed.length >= 200 ? true : undefined), timeout, '200 processed');
      await b.stop();
      await bus.publish(t, records(100, 'three'));
      await eventually(() => (processed.length >= 300 ? true : undefined), timeout, '300 processed');
      await a.stop();
      expect(processed).toHaveLength(300);
      expect(new Set(processed).size).toBe(300);
      // per member and partition: assign, revoke, assign, revoke, ... and every assignment ended
      for (const [key, list] of events) {
        expect(list.length % 2, key).toBe(0);
        expect(list, key).toEqual(list.map((_, i) => (i % 2 === 0 ? 'assign' : 'revoke')));
      }
      // a held all four, was revoked when b joined, and got some again; b got the others
      for (let p = 0; p < 4; p++) expect(events.get(`a/${p}`)!.length).toBeGreaterThanOrEqual(2);
      const bPartitions = [0, 1, 2, 3].filter((p) => (events.get(`b/${p}`)?.length ?? 0) > 0);
      expect(bPartitions.length).toBeGreaterThan(0);
      for (const p of bPartitions) expect(events.get(`a/${p}`)!.length).toBeGreaterThanOrEqual(4);
    });

    it('B17: startOffsets gives the log start per partition (0 while nothing was removed)', async () => {
      const bus = await openBus();
      const t = await topic(bus, 3);
      expect(await bus.startOffsets(t)).toEqual({ 0: 0, 1: 0, 2: 0 });
      await bus.publish(t, records(30));
      expect(await bus.startOffsets(t)).toEqual({ 0: 0, 1: 0, 2: 0 });
    });

    it('B18: offsetsForTime gives the first offset at or after a time, and the end offset where there is none', async () => {
      const bus = await openBus();
      const t = await topic(bus, 2);
      await bus.publish(t, [...keyedFor(0, 4, 2), ...keyedFor(1, 3, 2)]);
      await sleep(100);
      const between = Date.now();
      await sleep(100);
      await bus.publish(t, [...keyedFor(0, 2, 2, 'later'), ...keyedFor(1, 5, 2, 'later')]);
      expect(await bus.offsetsForTime(t, 0)).toEqual({ 0: 0, 1: 0 });
      expect(await bus.offsetsForTime(t, between)).toEqual({ 0: 4, 1: 3 });
      expect(await bus.offsetsForTime(t, Date.now() + 60_000)).toEqual({ 0: 6, 1: 8 });
      const empty = await topic(bus, 1);
      expect(await bus.offsetsForTime(empty, between)).toEqual({ 0: 0 });
    });
  });
}

/** `n` records that all land on `partition` of a topic with `partitions` partitions */
function keyedFor(partition: number, n: number, partitions: number, tag = 'p'): BusRecord[] {
  const out: BusRecord[] = [];
  for (let i = 0; out.length < n; i++)
    if (partitionForKey(`k${i}`, partitions) === partition)
      out.push({ key: `k${i}`, value: `${tag}${partition}-${out.length}` });
  return out;
}

function records(n: number, tag = 'r'): BusRecord[] {
  return Array.from({ length: n }, (_, i) => ({ key: `key-${i % 11}`, value: `${tag}-${i}` }));
}

function byValue(a: { value: string }, b: { value: string }): number {
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
