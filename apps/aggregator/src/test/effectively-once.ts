import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '@cityops/bus';
import type { Store } from '@cityops/store';
import { eventually, uniqueName } from '@cityops/testkit';
import { rollup } from '@cityops/vitals';
import { Topics } from '@cityops/schema';
import { Aggregator } from '../aggregator.js';

export interface Backends {
  bus: Bus;
  store: Store;
  /** the store loses every key of this test's data (Redis FLUSHALL; a memory store restarted) */
  loseStore(): Promise<void>;
  close(): Promise<void>;
}

const T0 = Date.now() - 60_000;

function events(topic: string, n: number, source: string) {
  return Array.from({ length: n }, (_, i) => ({
    key: `grid-${i % 37}`,
    value: JSON.stringify({
      eventTime: new Date(T0 + i * 10).toISOString(),
      source,
      type: 'sensor.reading',
      location: { districtId: `d${i % 4}` },
      topic,
    }),
  }));
}

/** Makes the store fail like a crash right AFTER its n-th successful apply: written, but the caller never hears. */
function crashAfterApply(store: Store, crashOn: Set<number>): Store & { applies: number } {
  let applies = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'applies') return applies;
      if (prop === 'applyBatch') {
        return async (...args: Parameters<Store['applyBatch']>) => {
          const result = await target.applyBatch(...args);
          applies++;
          if (crashOn.has(applies)) throw new Error(`simulated crash after apply #${applies}`);
          return result;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Store & { applies: number };
}

async function totalFor(store: Store, group: string): Promise<number> {
  const read = await store.readVitals(group, 0, Number.MAX_SAFE_INTEGER);
  return rollup(read).total.m15;
}

/** waits until the group has counted `n` events */
function counted(store: Store, group: string, n: number): Promise<true> {
  return eventually(async () => ((await totalFor(store, group)) === n ? true : undefined), 60_000, `${n} counted`);
}

/**
 * DESIGN.md decision 3 against a pair of backends: a crash at any point, a restart, or a
 * redelivered batch neither loses nor double-counts an event.
 */
export function effectivelyOnceSuite(name: string, open: () => Promise<Backends>): void {
  describe(`aggregator effectively-once on ${name}`, () => {
    let backends: Backends | undefined;
    const aggregators: Aggregator[] = [];
    afterEach(async () => {
      for (const a of aggregators.splice(0)) await a.stop();
      await backends?.close();
    });

    it('counts every event exactly once when the store write succeeds but the batch is redelivered', async () => {
      backends = await open();
      const topic = uniqueName('agg-events');
      const group = uniqueName('agg');
      await backends.bus.ensureTopics([{ topic, partitions: 3 }]);
      await backends.bus.publish(topic, events(topic, 3000, 'crashy'));
      const store = crashAfterApply(backends.store, new Set([1, 3, 4, 7]));
      const agg = new Aggregator({ bus: backends.bus, store, group, topic, allowedLatenessMs: 3_600_000 });
      aggregators.push(agg);
      await agg.start();
      await counted(backends.store, group, 3000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await totalFor(backends.store, group)).toBe(3000);
      expect(store.applies).toBeGreaterThan(4);
    });

    it('resumes after a restart from the offsets in the store, without losing or re-counting', async () => {
      backends = await open();
      const topic = uniqueName('agg-events');
      const group = uniqueName('agg');
      await backends.bus.ensureTopics([{ topic, partitions: 3 }]);
      await backends.bus.publish(topic, events(topic, 1000, 'restart'));
      const first = new Aggregator({
        bus: backends.bus,
        store: backends.store,
        group,
        topic,
        allowedLatenessMs: 3_600_000,
      });
      await first.start();
      await counted(backends.store, group, 1000);
      await first.stop();
      await backends.bus.publish(topic, events(topic, 500, 'restart'));
      const second = new Aggregator({
        bus: backends.bus,
        store: backends.store,
        group,
        topic,
        allowedLatenessMs: 3_600_000,
      });
      aggregators.push(second);
      await second.start();
      await counted(backends.store, group, 1500);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await totalFor(backends.store, group)).toBe(1500);
    });

    it('rebuilds the same figures from offset 0 under a new group', async () => {
      backends = await open();
      const topic = uniqueName('agg-events');
      await backends.bus.ensureTopics([{ topic, partitions: 2 }]);
      await backends.bus.publish(topic, events(topic, 800, 'rebuild'));
      const groups = [uniqueName('agg-a'), uniqueName('agg-b')];
      for (const group of groups) {
        const agg = new Aggregator({
          bus: backends.bus,
          store: backends.store,
          group,
          topic,
          allowedLatenessMs: 3_600_000,
        });
        aggregators.push(agg);
        await agg.start();
      }
      const [a, b] = await Promise.all(
        groups.map((g) =>
          eventually(
            async () => {
              const read = await backends!.store.readVitals(g, 0, Number.MAX_SAFE_INTEGER);
              return rollup(read).total.m15 === 800 ? rollup(read) : undefined;
            },
            60_000,
            `800 counted by ${g}`,
          ),
        ),
      );
      expect(a!.byDistrict).toEqual(b!.byDistrict);
      expect(a!.trend).toEqual(b!.trend);
    });

    it('resumes from the store offsets even when the group committed further on the bus (a store restored behind Kafka)', async () => {
      backends = await open();
      const topic = uniqueName('agg-events');
      const group = uniqueName('agg');
      await backends.bus.ensureTopics([{ topic, partitions: 2 }]);
      await backends.bus.publish(topic, events(topic, 400, 'seek'));
      const first = new Aggregator({
        bus: backends.bus,
        store: backends.store,
        group,
        topic,
        allowedLatenessMs: 3_600_000,
      });
      await first.start();
      await counted(backends.store, group, 400);
      await first.stop();
      await backends.bus.publish(topic, events(topic, 300, 'seek'));
      // the group's committed offsets move to the end without the store seeing those records
      const ends = await backends.bus.endOffsets(topic);
      const reached = new Map<number, number>();
      const skipper = await backends.bus.subscribe({
        groupId: group,
        topics: [topic],
        eachBatch: async (b) => void reached.set(b.partition, b.nextOffset),
      });
      await eventually(
        () => (Object.entries(ends).every(([p, e]) => reached.get(Number(p)) === e) ? true : undefined),
        60_000,
        'the skipper at the end',
      );
      await skipper.stop();
      const second = new Aggregator({
        bus: backends.bus,
        store: backends.store,
        group,
        topic,
        allowedLatenessMs: 3_600_000,
      });
      aggregators.push(second);
      await second.start();
      await counted(backends.store, group, 700);
    });

    it('after the store lost everything, a restart in the same group rebuilds the same figures from the log', async () => {
      backends = await open();
      const topic = uniqueName('agg-events');
      const group = uniqueName('agg');
      await backends.bus.ensureTopics([{ topic, partitions: 3 }]);
      await backends.bus.publish(topic, events(topic, 900, 'flush'));
      const opts = { bus: backends.bus, store: backends.store, group, topic, allowedLatenessMs: 60_000 };
      const first = new Aggregator(opts);
      await first.start();
      const before = await eventually(
        async () => {
          const r = rollup(await backends!.store.readVitals(group, 0, Number.MAX_SAFE_INTEGER));
          return r.total.m15 === 900 ? r : undefined;
        },
        60_000,
        '900 before the loss',
      );
      await first.stop();
      await backends.loseStore();
      expect(await totalFor(backends.store, group)).toBe(0);
      const second = new Aggregator(opts);
      aggregators.push(second);
      await second.start();
      const after = await eventually(
        async () => {
          const r = rollup(await backends!.store.readVitals(group, 0, Number.MAX_SAFE_INTEGER));
          return r.total.m15 === 900 && !(await backends!.store.readVitals(group, 0, 0)).rebuilding ? r : undefined;
        },
        60_000,
        '900 rebuilt',
      );
      expect(after.byDistrict).toEqual(before.byDistrict);
      expect(after.trend).toEqual(before.trend);
      expect(second.stats.rebuilds).toBeGreaterThan(0);
    });

    it('dead-letters a bad record once, however often its batch is redelivered', { timeout: 90_000 }, async () => {
      backends = await open();
      const topic = uniqueName('agg-events');
      const group = uniqueName('agg');
      await backends.bus.ensureTopics([
        { topic, partitions: 1 },
        { topic: Topics.dlq, partitions: 1 },
      ]);
      const good = events(topic, 200, 'dlq');
      const bad = Array.from({ length: 5 }, (_, i) => ({ key: 'grid-1', value: `not json ${i}` }));
      await backends.bus.publish(topic, [...good.slice(0, 100), ...bad, ...good.slice(100)]);
      // every apply is answered with an error the first 3 times: the batch comes again and again
      const store = crashAfterApply(backends.store, new Set([1, 2, 3]));
      const agg = new Aggregator({ bus: backends.bus, store, group, topic, allowedLatenessMs: 3_600_000 });
      aggregators.push(agg);
      await agg.start();
      await counted(backends.store, group, 200);
      const mine = async () => {
        const seen: string[] = [];
        const sub = await backends!.bus.replay({
          topic: Topics.dlq,
          eachBatch: async (b) => {
            for (const r of b.records) if (r.value.includes(topic)) seen.push(r.value);
          },
        });
        await sub.done;
        await sub.stop();
        return seen;
      };
      const letters = await eventually(
        async () => ((await mine()).length >= 5 ? mine() : undefined),
        60_000,
        '5 dead letters',
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(await mine()).toHaveLength(5);
      expect(letters).toHaveLength(5);
      expect(store.applies).toBeGreaterThanOrEqual(4);
    });
  });
}
