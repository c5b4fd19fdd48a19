import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '@cityops/bus';
import type { Store } from '@cityops/store';
import { eventually, uniqueName } from '@cityops/testkit';
import { rollup } from '@cityops/vitals';
import { Aggregator } from '../aggregator.js';

export interface Backends {
  bus: Bus;
  store: Store;
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
      await eventually(
        async () => ((await totalFor(backends!.store, group)) === 3000 ? true : undefined),
        60_000,
        '3000 counted',
      );
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
      await eventually(
        async () => ((await totalFor(backends!.store, group)) === 1000 ? true : undefined),
        60_000,
        'first 1000',
      );
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
      await eventually(
        async () => ((await totalFor(backends!.store, group)) === 1500 ? true : undefined),
        60_000,
        '1500 counted',
      );
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
  });
}
