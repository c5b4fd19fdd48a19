import type { Bus } from '@cityops/bus';
import { parseAlertEvent, type AlertEvent, type CityEvent } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { eventually, uniqueName } from '@cityops/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { Detector } from '../detector.js';
import { detectOffline } from '../offline.js';
import { MIN, byTime, onRoad, pack, ping, roadWithZone, shift, vanTrack } from './fixtures.js';

export interface Backends {
  bus: Bus;
  store: Store;
  close(): Promise<void>;
}

/** A store that fails like a crash right after the n-th successful apply of a group (written, never heard). */
function crashing(store: Store, group: string, crashOn: Set<number>): Store {
  let applies = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'applyBatch') {
        return async (...args: Parameters<Store['applyBatch']>) => {
          const result = await target.applyBatch(...args);
          if (args[0].group === group && crashOn.has(++applies))
            throw new Error(`simulated crash after apply #${applies}`);
          return result;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A store whose outbox of `group` looks empty: the member dies before anything is relayed. */
function outboxNeverRelayed(store: Store, group: string): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'readOutbox')
        return async (g: string, max: number) => (g === group ? [] : target.readOutbox(g, max));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A store whose first `n` outbox acknowledgements of `group` fail: the relay published, then died. */
function ackFails(store: Store, group: string, n: number): Store {
  let left = n;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'ackOutbox')
        return async (g: string, lastId: string) => {
          if (g === group && left > 0) {
            left--;
            throw new Error('simulated crash between publishing and acknowledging the outbox');
          }
          return target.ackOutbox(g, lastId);
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function readAll(bus: Bus, topic: string): Promise<string[]> {
  const out: string[] = [];
  const sub = await bus.replay({
    topic,
    eachBatch: async (b) => {
      for (const r of b.records) out.push(r.value);
    },
  });
  await sub.done;
  await sub.stop();
  return out;
}

/** the scenario: two vans on one segment (14 and 20 minutes), a far van moving time on */
function scenario(t0: number): CityEvent[] {
  const { road } = roadWithZone();
  const spot = onRoad(road, 0.2);
  const far = onRoad(
    pack.roads.find((r) => r.districtId !== road.districtId)!,
    0.5,
  );
  const clock: CityEvent[] = [];
  for (let t = t0, i = 0; t <= t0 + 45 * MIN; t += 20_000, i++)
    clock.push(ping('clock-van', t, shift(far, 150 * i, 0)));
  return [
    ...vanTrack('SF-00100', spot, t0 + 5 * MIN, t0 + 19 * MIN, { seed: 3, drop: 0.1 }),
    ...vanTrack('JD-00101', shift(spot, 10, 8), t0 + 7 * MIN, t0 + 27 * MIN, { seed: 4, drop: 0.1 }),
    ...clock,
  ].sort(byTime);
}

/**
 * Keyed by a ~1 km cell, as ingest keys by grid cell; the clock van's pings are spread over every
 * partition, as a city's traffic is (event time is the minimum over the partitions: one whose
 * events ended early would hold it back until it counts as idle).
 */
let tick = 0;
const record = (e: CityEvent) => ({
  key:
    e.type === 'delivery.vehicle' && e.payload.vehicleId === 'clock-van'
      ? `tick-${tick++ % 16}`
      : `cell-${Math.round(e.location.lon * 100)}-${Math.round(e.location.lat * 100)}`,
  value: JSON.stringify(e),
});

/**
 * A crash of the detector mid-incident neither loses the alert nor raises it twice: the router and
 * the rule stage are killed before their outbox is relayed, crash after applies (written, never
 * acknowledged), and are restarted; the alert topic holds one `raised` per alertId, contiguous seq,
 * the clear, and the same alerts as the offline detector on the same events.
 */
export function crashSuite(name: string, open: () => Promise<Backends>): void {
  describe(`detector crash safety on ${name}`, () => {
    let backends: Backends | undefined;
    const running: Detector[] = [];
    afterEach(async () => {
      for (const d of running.splice(0)) await d.stop().catch(() => undefined);
      await backends?.close();
    });

    it(
      'a detector killed and crashing mid-incident neither loses the alert nor raises it twice',
      { timeout: 240_000 },
      async () => {
        backends = await open();
        const { bus, store } = backends;
        const input = uniqueName('det-events');
        const byKeyTopic = uniqueName('det-bykey');
        const alertsTopic = uniqueName('det-alerts');
        const group = uniqueName('det');
        await bus.ensureTopics([{ topic: input, partitions: 4 }]);
        const t0 = Date.now() - 60 * MIN;
        const events = scenario(t0);
        const expected: AlertEvent[] = [];
        for await (const a of detectOffline(events, { pack })) expected.push(a);
        expect(expected.some((a) => a.state === 'raised')).toBe(true);
        expect(expected.at(-1)!.state).toBe('cleared');

        const make = (s: Store) => {
          const d = new Detector({
            bus,
            store: s,
            pack,
            group,
            topic: input,
            byKeyTopic,
            alertsTopic,
            allowedLatenessMs: 5 * MIN,
            byKeyPartitions: 4,
            outboxIntervalMs: 100,
          });
          running.push(d);
          return d;
        };
        /** the store's progress of a group has reached the end of its topic */
        const atEnd = (g: string, topic: string) =>
          eventually(
            async () => {
              const end = await bus.endOffsets(topic);
              const progress = await store.readProgress(g);
              const done = Object.entries(end).every(([p, n]) => (progress[`${topic}:${p}`]?.nextOffset ?? 0) >= n);
              return done ? true : undefined;
            },
            120_000,
            `${g} caught up on ${topic}`,
          );
        const caughtUp = async () => {
          await atEnd(group, input);
          await atEnd(`${group}.rules`, byKeyTopic);
        };
        const stopLast = async () => {
          const d = running.pop()!;
          await d.stop();
        };
        const alerts = async () => (await readAll(bus, alertsTopic)).map((v) => JSON.parse(v) as AlertEvent);

        // 1: up to 12 minutes in (the first van's dwell crossed the threshold); the rule stage's outbox
        // (its signals, so the alert) is never relayed before the member dies
        const cut1 = events.findIndex((e) => Date.parse(e.eventTime) >= t0 + 16 * MIN);
        await bus.publish(input, events.slice(0, cut1).map(record));
        const a = make(outboxNeverRelayed(store, `${group}.rules`));
        await a.start();
        await caughtUp();
        await stopLast();
        expect(await alerts()).toEqual([]);

        // 2: restarted, with applies that crash after writing (router and rules); the alert is raised once
        // and outbox acknowledgements that fail after publishing (everything relayed twice, same ids)
        const crashy = crashing(crashing(store, `${group}.rules`, new Set([2, 5, 9])), group, new Set([1, 3]));
        const b = make(ackFails(ackFails(crashy, group, 3), `${group}.rules`, 3));
        await b.start();
        await eventually(
          async () => ((await alerts()).some((x) => x.state === 'raised') ? true : undefined),
          120_000,
          'raised',
        );
        const cut2 = events.findIndex((e) => Date.parse(e.eventTime) >= t0 + 22 * MIN);
        await bus.publish(input, events.slice(cut1, cut2).map(record));
        await atEnd(group, input);
        await stopLast();

        // 3: a clean restart reads the rest; the last van leaves, the alert is cleared
        const c = make(store);
        await c.start();
        await bus.publish(input, events.slice(cut2).map(record));
        await eventually(
          async () => ((await alerts()).some((x) => x.state === 'cleared') ? true : undefined),
          120_000,
          'cleared',
        );
        await caughtUp();
        await c.flushOutbox();

        const got = await alerts();
        for (const x of got) expect(parseAlertEvent(x).ok).toBe(true);
        // consumers dedupe by eventId: a republished record is the same record
        const byEventId = new Map<string, string>();
        for (const x of got) {
          const s = JSON.stringify(x);
          if (byEventId.has(x.eventId)) expect(byEventId.get(x.eventId)).toBe(s);
          byEventId.set(x.eventId, s);
        }
        const distinct = [...byEventId.values()].map((s) => JSON.parse(s) as AlertEvent).sort((p, q) => p.seq - q.seq);
        const ids = new Set(distinct.map((x) => x.alertId));
        expect(ids.size).toBe(1);
        expect(distinct.filter((x) => x.state === 'raised')).toHaveLength(1);
        expect(distinct.map((x) => x.seq)).toEqual(distinct.map((_, i) => i + 1));
        expect(distinct.at(-1)!.state).toBe('cleared');
        expect([...ids]).toEqual([...new Set(expected.map((x) => x.alertId))]);
        // the raise is the offline one; updates in between may differ (signals of two vans from two
        // partitions can arrive in either order), the clear is at the last van leaving
        const raisedOffline = expected.find((x) => x.state === 'raised')!;
        expect(distinct[0]).toEqual(raisedOffline);
        expect(distinct.at(-1)!.detectedAt).toBe(expected.at(-1)!.detectedAt);
      },
    );
  });
}
