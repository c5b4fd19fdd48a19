import type { Bus, ConsumedRecord } from '@cityops/bus';
import { ErrorCodes } from '@cityops/schema';
import type { Store, StageBatch } from '@cityops/store';
import { eventually, uniqueName } from '@cityops/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECORD_ID_HEADER } from '../outbox-relay.js';
import { StreamRunner } from '../runner.js';
import { LATENESS_MS, expectedOf, testRecord, testStage, type TestEvent } from './test-stage.js';

/** What a backend gives the runtime contract for one test. */
export interface RuntimeFixture {
  bus: Bus;
  store: Store;
  /** the store loses all its data while every client stays connected (FLUSHALL, a restart without persistence) */
  loseStore(): Promise<void>;
  cleanup(): Promise<void>;
}

export type RuntimeFactory = () => Promise<RuntimeFixture>;

const PARTITIONS = 2;
const T0 = 1_735_689_600_000;

/**
 * The stream runtime's contract (SPEC.md R1..R8) as one suite, run against the embedded bus and
 * memory store and against real Kafka and Redis. Each test has its own topics and group.
 */
export function runRuntimeContract(name: string, factory: RuntimeFactory, timeoutMs = 60_000): void {
  describe(`stream runtime contract: ${name}`, () => {
    let fx: RuntimeFixture;
    let topic: string;
    let outTopic: string;
    let group: string;
    const runners: StreamRunner[] = [];

    beforeEach(async () => {
      fx = await factory();
      topic = uniqueName('rt-in');
      outTopic = uniqueName('rt-out');
      group = uniqueName('rt-grp');
      await fx.bus.ensureTopics([
        { topic, partitions: PARTITIONS },
        { topic: outTopic, partitions: 1 },
      ]);
    });
    afterEach(async () => {
      for (const r of runners.splice(0)) await r.stop().catch(() => undefined);
      await fx.cleanup();
    });

    const runner = (opts: { store?: Store; now?: () => number; horizonMs?: number } = {}) => {
      const r = new StreamRunner({
        bus: fx.bus,
        store: opts.store ?? fx.store,
        stage: testStage(group, topic, outTopic, opts.horizonMs),
        outboxIntervalMs: 100,
        ...(opts.now ? { now: opts.now } : {}),
      });
      runners.push(r);
      return r;
    };

    let seq = 0;
    /** n events over 6 keys, mostly in order, some late beyond the lateness, every 7th emitted */
    const publish = async (n: number) => {
      const events: TestEvent[] = [];
      for (let i = 0; i < n; i++, seq++) {
        const late = seq % 11 === 10;
        events.push({ k: `key${seq % 6}`, t: T0 + seq * 100 - (late ? LATENESS_MS * 3 : 0), emit: seq % 7 === 0 });
      }
      await fx.bus.publish(topic, events.map(testRecord));
    };

    const readAll = async (t: string): Promise<ConsumedRecord[]> => {
      const out: ConsumedRecord[] = [];
      const sub = await fx.bus.replay({ topic: t, eachBatch: async (b) => void out.push(...b.records) });
      await sub.done;
      await sub.stop();
      return out;
    };

    /** waits until the stage applied everything on the topic, then checks it against the reference */
    const expectExact = async (store: Store = fx.store) => {
      const log = await readAll(topic);
      const ends = await fx.bus.endOffsets(topic);
      await eventually(
        async () => {
          const p = await store.readProgress(group);
          return Object.entries(ends).every(([part, end]) => end === 0 || p[`${topic}:${part}`]?.nextOffset === end)
            ? true
            : undefined;
        },
        timeoutMs,
        'the stage to apply every record',
      );
      const want = expectedOf(log);
      const read = await store.readVitals(group, 0, 0);
      expect(read.buckets.get(0) ?? {}).toEqual(want.counters);
      expect(read.dropped).toEqual(want.dropped);
      for (let p = 0; p < PARTITIONS; p++) {
        const state = Object.fromEntries([...(await store.readState(group, topic, p))].map(([k, v]) => [k, Number(v)]));
        expect(state).toEqual(want.state.get(p) ?? {});
      }
      return want;
    };

    /** every emitted record reached the out topic under a stable id; `exactly` forbids repeats */
    const expectEmitted = async (want: string[], exactly: boolean) => {
      await eventually(
        async () => ((await store().outboxSize(group)) === 0 ? true : undefined),
        timeoutMs,
        'the outbox to drain',
      );
      const out = await eventually(
        async () => {
          const recs = await readAll(outTopic);
          return new Set(recs.map((r) => r.value)).size >= want.length ? recs : undefined;
        },
        timeoutMs,
        'the emitted records',
      );
      expect([...new Set(out.map((r) => r.value))].sort()).toEqual([...want].sort());
      const ids = new Map<string, string>();
      for (const r of out) {
        const id = r.headers?.[RECORD_ID_HEADER];
        expect(id).toBeTruthy();
        // one id, one record: the same id never names two different records
        expect(ids.get(id!) ?? r.value).toBe(r.value);
        ids.set(id!, r.value);
      }
      expect(ids.size).toBe(want.length);
      if (exactly) expect(out).toHaveLength(want.length);
    };
    const store = () => fx.store;

    it(
      'R1: every record is folded and applied once, state and counters equal the reference, outgoing records published once',
      async () => {
        await publish(300);
        const r = runner();
        await r.start();
        await publish(300);
        const want = await expectExact();
        await expectEmitted(want.emitted, true);
        expect(r.stats.applied).toBe(600);
      },
      timeoutMs,
    );

    it(
      'R1: an apply whose answer is lost (the store applied, the caller crashed) neither loses nor double-counts',
      async () => {
        await publish(200);
        // a store whose 1st, 3rd and 6th applies succeed but answer with an error, as a crash right after EXEC
        let calls = 0;
        let thrown = 0;
        const failAfter = new Set([1, 3, 6]);
        const flaky: Store = Object.create(fx.store) as Store;
        flaky.applyBatch = async (b: StageBatch) => {
          const result = await fx.store.applyBatch(b);
          if (failAfter.has(++calls)) {
            thrown++;
            throw new Error('connection lost after the apply');
          }
          return result;
        };
        const a = runner({ store: flaky });
        await a.start();
        // one round at a time, so that there are enough applies for every injected failure
        for (let i = 0; i < 6; i++) {
          await publish(40);
          await expectExact();
        }
        const want = await expectExact();
        await expectEmitted(want.emitted, false);
        expect(thrown).toBe(3);
      },
      timeoutMs,
    );

    it(
      'R2: a restarted stage resumes at the store offsets, not at the group offsets the bus committed',
      async () => {
        await publish(100);
        const a = runner();
        await a.start();
        await expectExact();
        await a.stop();
        await publish(100);
        // someone moves the group's committed offsets to the end without applying anything
        const ends = await fx.bus.endOffsets(topic);
        const seen = new Map<number, number>();
        const skipper = await fx.bus.subscribe({
          groupId: group,
          topics: [topic],
          eachBatch: async (b) => void seen.set(b.partition, b.nextOffset),
        });
        await eventually(
          () => (Object.entries(ends).every(([p, e]) => e === 0 || seen.get(Number(p)) === e) ? true : undefined),
          timeoutMs,
          'the skipper to commit the end',
        );
        await skipper.stop();
        expect(await fx.bus.committedOffsets(group, topic)).toEqual(ends);
        const b = runner();
        await b.start();
        await expectExact();
      },
      timeoutMs,
    );

    it(
      'R3: a partition that comes back after a rebalance continues from the watermark and state its last owner stored',
      async () => {
        const a = runner();
        await a.start();
        await publish(60);
        await expectExact();
        const b = runner();
        await b.start(); // takes a partition from a
        await publish(120);
        await expectExact();
        await b.stop(); // a gets it back: its old view of that partition is stale
        // first after the handover: one event per key, late against what b saw but not against a's
        // old view, so that only the stored watermark decides it as a replay would (dropped)
        const late = T0 + (seq - 1) * 100 - 2 * LATENESS_MS;
        await fx.bus.publish(
          topic,
          Array.from({ length: 6 }, (_, k) => testRecord({ k: `key${k}`, t: late })),
        );
        await publish(120);
        const want = await expectExact();
        expect(want.dropped.E_EVT_TOO_LATE).toBeGreaterThanOrEqual(6);
      },
      timeoutMs * 2,
    );

    it(
      'R4: outgoing records of an applied batch are published after a crash before the relay ran',
      async () => {
        const a = runner();
        // the relay never runs in this member: it "crashes" right after its applies
        (a as unknown as { relay: { wake(): void; start(): void } }).relay.wake = () => {};
        (a as unknown as { relay: { wake(): void; start(): void } }).relay.start = () => {};
        await a.start();
        await publish(140);
        const want = await expectExact();
        expect(await fx.store.outboxSize(group)).toBe(want.emitted.length);
        await a.stop();
        const b = runner();
        await b.start();
        await expectEmitted(want.emitted, true);
      },
      timeoutMs,
    );

    it(
      'R6: a group the store holds nothing for is rebuilt from the log by append time, and reads as rebuilding meanwhile',
      async () => {
        await publish(90);
        const a = runner();
        await a.start();
        await expectExact();
        await a.stop();
        await fx.loseStore();
        expect((await fx.store.readVitals(group, 0, 0)).buckets.size).toBe(0);
        const b = runner();
        const rebuilding: boolean[] = [];
        const spy: Store = Object.create(fx.store) as Store;
        spy.applyBatch = async (batch) => {
          rebuilding.push((await fx.store.readVitals(group, 0, 0)).rebuilding);
          return fx.store.applyBatch(batch);
        };
        (b as unknown as { opts: { store: Store } }).opts.store = spy;
        await b.start();
        const want = await expectExact();
        expect(rebuilding[0]).toBe(true);
        expect((await fx.store.readVitals(group, 0, 0)).rebuilding).toBe(false);
        expect(b.stats.rebuilds).toBeGreaterThan(0);
        expect(b.stats.rebuilding).toBe(0);
        await expectEmitted(want.emitted, false);
      },
      timeoutMs,
    );

    it(
      'R6: a rebuild starts at now − horizon: records appended before it are not read again',
      async () => {
        await publish(60);
        const firstEnds = await fx.bus.endOffsets(topic);
        await new Promise((r) => setTimeout(r, 1_500));
        const cut = Date.now();
        await new Promise((r) => setTimeout(r, 1_500));
        await publish(60);
        const horizonMs = 3_600_000;
        const r = runner({ now: () => cut + horizonMs, horizonMs });
        await r.start();
        const ends = await fx.bus.endOffsets(topic);
        await eventually(
          async () => {
            const p = await fx.store.readProgress(group);
            return Object.entries(ends).every(
              ([part, end]) => end === (firstEnds[Number(part)] ?? 0) || p[`${topic}:${part}`]?.nextOffset === end,
            )
              ? true
              : undefined;
          },
          timeoutMs,
          'the rebuild to catch up',
        );
        const counted = Object.values((await fx.store.readVitals(group, 0, 0)).buckets.get(0) ?? {}).reduce(
          (a, b) => a + b,
          0,
        );
        const log = await readAll(topic);
        const recent = log.filter((rec) => rec.offset >= (firstEnds[rec.partition] ?? 0));
        const want = expectedOf(recent);
        expect(counted).toBe(Object.values(want.counters).reduce((a, b) => a + b, 0));
      },
      timeoutMs,
    );

    it(
      'R7: a store that loses its data while the stage runs is detected and rebuilt, never written onto empty',
      async () => {
        const a = runner();
        await a.start();
        await publish(100);
        await expectExact();
        await fx.loseStore();
        await publish(100);
        await expectExact();
        expect(a.stats.stateLost).toBeGreaterThanOrEqual(1);
        expect(a.stats.lastError?.code).toBe(ErrorCodes.STORE_STATE_LOST);
      },
      timeoutMs,
    );
  });
}
