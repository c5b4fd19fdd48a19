import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '@cityops/bus';
import {
  DEFAULT_HOTLINE_DEADLINES,
  FIXTURE_CITY,
  FIXTURE_EXPECTED,
  KpiBook,
  ROLLING_PERIOD,
  fixtureEvents,
  hotlineGroups,
  readKpis,
  readRankings,
  stageEventOf,
  type KpiPack,
  type KpiSource,
} from '@cityops/hotline-kpis';
import { CityEvent, type HotlineKpiArea, type HotlineKpis } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { eventually, uniqueName } from '@cityops/testkit';
import { HotlineKpiStages, type HotlineStores } from '../hotline.js';

export interface HotlineBackends {
  bus: Bus;
  /** the router's store */
  store: Store;
  stores: HotlineStores;
  /** every store loses this test's data (a memory store cleared; Redis keys deleted) */
  loseStores(): Promise<void>;
  close(): Promise<void>;
}

const DAY = 24 * 3600_000;

/** the fixture's city as a pack: ids, time zone, default deadlines */
const PACK: KpiPack = {
  meta: { id: FIXTURE_CITY.cityId, name: '上海市', timeZone: FIXTURE_CITY.timeZone },
  districts: [],
  streets: [],
  taxonomy: { classes: [] },
  hotlineDeadlines: DEFAULT_HOTLINE_DEADLINES,
};

const counts = (a: HotlineKpiArea) => ({
  received: a.received,
  responded: a.responded,
  respondedLate: a.respondedLate,
  resolved: a.resolved,
  resolvedLate: a.resolvedLate,
  callbacks: a.callbacks,
  satisfied: a.satisfied,
});
const byId = (k: HotlineKpis) => Object.fromEntries(k.areas.map((a) => [a.id, counts(a)]));

/** Makes a store fail like a crash right AFTER some of its applies: written, but the caller never hears. */
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

/**
 * The hand-computed ticket set of packages/hotline-kpis through the aggregator's hotline stages
 * (router → internal topic by ticket id → month and rolling stages) on one pair of backends: the
 * figures read back from the store equal the hand-computed ones and the offline fold's, also
 * across a restart mid-way and applies whose answer is lost.
 */
export function hotlineKpiSuite(name: string, open: () => Promise<HotlineBackends>): void {
  describe(`hotline KPI stages on ${name}`, () => {
    let backends: HotlineBackends | undefined;
    const running: HotlineKpiStages[] = [];
    afterEach(async () => {
      for (const s of running.splice(0)) await s.stop();
      await backends?.close();
      backends = undefined;
    });

    const setup = async (b: HotlineBackends) => {
      const topic = uniqueName('hl-events');
      const byTicketTopic = uniqueName('hl-by-ticket');
      const group = uniqueName('hl');
      await b.bus.ensureTopics([{ topic, partitions: 3 }]);
      const prefix = uniqueName('fx');
      const events = fixtureEvents(prefix);
      const records = events.map((e) => ({ key: e.location.gridId!, value: JSON.stringify(e) }));
      const groups = hotlineGroups(group);
      const source = (stores: HotlineStores): KpiSource => ({
        month: { store: stores.month, group: groups.month },
        rolling: { store: stores.rolling, group: groups.rolling },
        timeZone: FIXTURE_CITY.timeZone,
      });
      const start = async (stores: HotlineStores, store: Store = b.store) => {
        const s = new HotlineKpiStages({
          bus: b.bus,
          store,
          stores,
          pack: PACK,
          group,
          topic,
          byTicketTopic,
          outboxIntervalMs: 50,
          // the set spans May 20 .. July 1 and its tickets' events reach the stage from three
          // upstream partitions in any interleaving: keep every ticket's state over the whole span
          retain: { month: { afterCallbackMs: 60 * DAY, maxAgeMs: 60 * DAY } },
        });
        running.push(s);
        await s.start();
        return s;
      };
      return { topic, records, events, source, start };
    };

    /** waits until the store's June figures are the hand-computed ones, then checks they stay */
    const settled = async (src: KpiSource) => {
      await eventually(
        async () => {
          const k = (await readKpis(src, 'street', '2025-06')).kpis;
          const r = (await readKpis(src, 'city', ROLLING_PERIOD)).kpis;
          const may = (await readKpis(src, 'city', '2025-05')).kpis;
          const july = (await readKpis(src, 'city', '2025-07')).kpis;
          return JSON.stringify(byId(k)) === JSON.stringify(FIXTURE_EXPECTED.june.street) &&
            r.areas[0]?.received === 2 &&
            may.areas.length === 1 &&
            july.areas.length === 1
            ? true
            : undefined;
        },
        60_000,
        'the June figures',
      );
      await new Promise((r) => setTimeout(r, 500));
    };

    const expectFixtureFigures = async (src: KpiSource, events: ReturnType<typeof fixtureEvents>) => {
      for (const level of ['city', 'district', 'street'] as const) {
        const k = (await readKpis(src, level, '2025-06')).kpis;
        expect(byId(k)).toEqual(FIXTURE_EXPECTED.june[level]);
      }
      expect(byId((await readKpis(src, 'city', '2025-07')).kpis)).toEqual(FIXTURE_EXPECTED.july.city);
      expect(byId((await readKpis(src, 'city', '2025-05')).kpis)).toEqual(FIXTURE_EXPECTED.may.city);
      const rolling = (await readKpis(src, 'city', ROLLING_PERIOD)).kpis;
      expect(byId(rolling)).toEqual(FIXTURE_EXPECTED.rolling.city);
      expect(rolling.asOf).toBe(FIXTURE_EXPECTED.rolling.watermark);
      // the same code offline: equal counts and rates; medians within the histogram's half bin
      const book = new KpiBook({ ...FIXTURE_CITY, deadlines: DEFAULT_HOTLINE_DEADLINES });
      for (const e of events) book.add(stageEventOf(CityEvent.parse(e))!);
      const online = (await readKpis(src, 'city', '2025-06')).kpis.areas[0]!;
      const offline = book.kpis('city', '2025-06').areas[0]!;
      expect({ ...online, medianResponseMin: 0, medianResolveMin: 0 }).toEqual({
        ...offline,
        medianResponseMin: 0,
        medianResolveMin: 0,
      });
      expect(Math.abs(online.medianResponseMin! - offline.medianResponseMin!)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(online.medianResolveMin! - offline.medianResolveMin!)).toBeLessThanOrEqual(2.5);
      const r = (await readRankings(src, 'street', '2025-06', { minReceived: 3 })).rankings;
      expect(r.red.map((x) => x.area.id)).toEqual(FIXTURE_EXPECTED.rankings.red);
      expect(r.black.map((x) => x.area.id)).toEqual(FIXTURE_EXPECTED.rankings.black);
      expect(r.topProblems[0]).toMatchObject(FIXTURE_EXPECTED.rankings.top);
    };

    it('computes the hand-computed figures of the ticket set (months, rolling 24 h, boards)', async () => {
      backends = await open();
      const { topic, records, events, source, start } = await setup(backends);
      await backends.bus.publish(topic, records);
      await start(backends.stores);
      await settled(source(backends.stores));
      await expectFixtureFigures(source(backends.stores), events);
    });

    it('a restart mid-way and applies whose answer was lost neither lose nor double-count', async () => {
      backends = await open();
      const b = backends;
      const { topic, records, events, source, start } = await setup(b);
      const half = Math.floor(records.length / 2);
      await b.bus.publish(topic, records.slice(0, half));
      // the month store "crashes" after some applies: written, the runner never hears, redelivers
      const crashy = { month: crashAfterApply(b.stores.month, new Set([1, 2, 4])), rolling: b.stores.rolling };
      const router = crashAfterApply(b.store, new Set([1]));
      const first = await start(crashy, router);
      const src = source(b.stores);
      await eventually(
        async () => ((await readKpis(src, 'city', '2025-06')).kpis.areas[0]?.received ?? 0) >= 3 || undefined,
        60_000,
        'some of the first half counted',
      );
      await first.stop();
      running.splice(running.indexOf(first), 1);
      await b.bus.publish(topic, records.slice(half));
      // the second run: the same stores, and the router's whole input published again (a source resend
      // with new offsets is two records: ingest dedupes by id before the log, here the fold must)
      await b.bus.publish(topic, records.slice(0, half));
      await start(b.stores);
      await settled(src);
      await expectFixtureFigures(src, events);
      expect(crashy.month.applies).toBeGreaterThan(2);
    });

    it('after the stores lost everything, a restart rebuilds the same figures from the log (re-routed records counted once)', async () => {
      backends = await open();
      const b = backends;
      const { topic, records, events, source, start } = await setup(b);
      await b.bus.publish(topic, records);
      const first = await start(b.stores);
      const src = source(b.stores);
      await settled(src);
      await first.stop();
      running.splice(running.indexOf(first), 1);
      await b.loseStores();
      expect((await readKpis(src, 'city', '2025-06')).kpis.areas).toEqual([]);
      // the router re-routes its horizon (the whole topic here) onto the internal topic, which then
      // holds every stage event twice; the ticket stages rebuild from it and count each stage once
      const second = await start(b.stores);
      await settled(src);
      await expectFixtureFigures(src, events);
      expect(second.stats.month.rebuilds).toBeGreaterThan(0);
      expect(second.stats.router.rebuilds).toBeGreaterThan(0);
    });
  });
}
