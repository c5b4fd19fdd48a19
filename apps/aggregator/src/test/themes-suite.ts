import { afterEach, describe, expect, it } from 'vitest';
import { CityIndex, loadCityPack } from '@cityops/city';
import type { Store } from '@cityops/store';
import { eventually, uniqueName } from '@cityops/testkit';
import { foldThemes, foldVans, themesGroups, type VanFix } from '@cityops/themes';
import { Aggregator } from '../aggregator.js';
import { roadsOf, stopPlaceOf } from '../themes.js';
import type { Backends } from './effectively-once.js';

const pack = loadCityPack();
const index = new CityIndex(pack);
const road = pack.roads.find((r) => r.roadClass === 'arterial')!;
const T0 = Date.now() - 60_000;
const LATE = 3_600_000;

function ev(i: number, type: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    eventTime: new Date(T0 + i * 10).toISOString(),
    source: 'test',
    type,
    location: { lon: 121.47, lat: 31.23, districtId: `d${i % 3}`, streetId: `st${i % 7}`, ...extra },
    category: { kind: 'part', code: 'P.01.10' },
    payload,
  };
}

/** readings of 60 sensors (5 each), tickets and 6 vans' fixes: figures that do not depend on how partitions are cut */
function events(from: number, to: number) {
  const out: Array<{ key: string; value: string }> = [];
  for (let i = from; i < to; i++) {
    const s = i % 60;
    const kinds = ['water_level', 'air_quality', 'noise', 'traffic_speed'] as const;
    const kind = kinds[s % 4]!;
    const e =
      i % 10 === 9
        ? ev(s, 'hotline.ticket', {
            ticketId: `tk-${Math.floor(i / 30)}`,
            stage: i % 20 === 9 ? 'received' : 'responded',
          })
        : i % 10 === 8
          ? ev(
              s,
              'delivery.vehicle',
              { vehicleId: `van-${Math.floor(i / 10) % 6}` },
              { lon: 121.47 + (Math.floor(i / 10) % 6) * 0.01, lat: 31.23 },
            )
          : ev(
              i,
              'sensor.reading',
              { sensorId: `${kind}-${s}`, kind, value: (i * 7) % 90, unit: 'x', status: 'ok' },
              kind === 'traffic_speed' ? { roadSegmentId: road.id } : {},
            );
    const loc = e.location as { districtId: string; streetId: string };
    // a sensor keeps its area and its partition, as grid-cell keys do
    if (e.type === 'sensor.reading') {
      loc.districtId = `d${s % 3}`;
      loc.streetId = `st${s % 7}`;
    }
    const key = (e.payload.sensorId ?? e.payload.ticketId ?? `grid-${i % 11}`) as string;
    out.push({ key, value: JSON.stringify(e) });
  }
  return out;
}

/** the gauges one sequential fold of all the records gives (one partition, one batch) */
function expectedGauges(records: Array<{ value: string }>): Record<string, number> {
  const g = new Map<string, number>();
  const add = (moves: Array<{ field: string; by: number }>) => {
    for (const { field, by } of moves) g.set(field, (g.get(field) ?? 0) + by);
  };
  const out = foldThemes(
    { records: records.map((r, i) => ({ offset: i, value: r.value })), watermark: null, state: new Map() },
    { timeZone: pack.meta.timeZone, roads: roadsOf(pack), allowedLatenessMs: LATE, vanTopic: 'x' },
  );
  add(out.gauges);
  const fixes = out.outgoing.map((o) => JSON.parse(o.value) as VanFix);
  const byVan = new Map<string, VanFix[]>();
  for (const f of fixes) byVan.set(f.id, [...(byVan.get(f.id) ?? []), f]);
  for (const list of byVan.values())
    add(
      foldVans(
        { records: list.map((f, i) => ({ offset: i, value: JSON.stringify(f) })), watermark: null, state: new Map() },
        { allowedLatenessMs: LATE, placeOf: stopPlaceOf(index) },
      ).gauges,
    );
  for (const [k, v] of g) if (v === 0) g.delete(k);
  return Object.fromEntries([...g].sort());
}

async function gaugesOf(store: Store, group: string): Promise<Record<string, number>> {
  const groups = themesGroups(group);
  const merged = { ...(await store.readGauges(groups.events)), ...(await store.readGauges(groups.vans)) };
  return Object.fromEntries(Object.entries(merged).sort());
}

function crashAfterApply(store: Store, crashOn: Set<number>): Store {
  let applies = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
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
  });
}

/**
 * The themes stages against a pair of backends: the gauges the running aggregator leaves equal
 * one sequential fold of the same records, through redelivered applies and a restart.
 */
export function themesSuite(name: string, open: () => Promise<Backends>): void {
  describe(`aggregator themes on ${name}`, () => {
    let backends: Backends | undefined;
    const aggregators: Aggregator[] = [];
    afterEach(async () => {
      for (const a of aggregators.splice(0)) await a.stop();
      await backends?.close();
    });

    const start = async (store: Store, group: string, topic: string, vanTopic: string) => {
      const agg = new Aggregator({
        bus: backends!.bus,
        store,
        group,
        topic,
        vanTopic,
        allowedLatenessMs: LATE,
        city: { pack, index },
      });
      aggregators.push(agg);
      await agg.start();
      return agg;
    };

    it('gauges equal one sequential fold, with applies redelivered, and survive a restart without double counting', async () => {
      backends = await open();
      const topic = uniqueName('themes-events');
      const vanTopic = uniqueName('themes-vans');
      const group = uniqueName('themes');
      await backends.bus.ensureTopics([{ topic, partitions: 3 }]);
      const first = events(0, 600);
      const second = events(600, 1000);
      await backends.bus.publish(topic, first);
      const agg = await start(crashAfterApply(backends.store, new Set([1, 2, 5, 9])), group, topic, vanTopic);
      const want1 = expectedGauges(first);
      expect(Object.keys(want1).length).toBeGreaterThan(50);
      expect(want1['c|lg.v']).toBe(6);
      await eventually(
        async () =>
          JSON.stringify(await gaugesOf(backends!.store, group)) === JSON.stringify(want1) ? true : undefined,
        60_000,
        'the first gauges',
      );
      await agg.stop();
      aggregators.splice(0);
      await backends.bus.publish(topic, second);
      await start(backends.store, group, topic, vanTopic);
      const want = expectedGauges([...first, ...second]);
      await eventually(
        async () =>
          JSON.stringify(await gaugesOf(backends!.store, group)) === JSON.stringify(want) ? true : undefined,
        60_000,
        'the gauges after the restart',
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(await gaugesOf(backends.store, group)).toEqual(want);
      // the counting stage counted every event once beside them
      const read = await backends.store.readVitals(group, 0, Number.MAX_SAFE_INTEGER);
      let total = 0;
      for (const b of read.buckets.values()) total += b.total ?? 0;
      expect(total).toBe(1000);
    });

    it('after the store lost everything, a restart rebuilds the same gauges from the log', async () => {
      backends = await open();
      const topic = uniqueName('themes-events');
      const vanTopic = uniqueName('themes-vans');
      const group = uniqueName('themes');
      await backends.bus.ensureTopics([{ topic, partitions: 2 }]);
      const all = events(0, 500);
      await backends.bus.publish(topic, all);
      const want = expectedGauges(all);
      const same = async () =>
        JSON.stringify(await gaugesOf(backends!.store, group)) === JSON.stringify(want) ? true : undefined;
      const first = await start(backends.store, group, topic, vanTopic);
      await eventually(same, 60_000, 'the gauges before the loss');
      await first.stop();
      aggregators.splice(0);
      await backends.loseStore();
      expect(await gaugesOf(backends.store, group)).toEqual({});
      const second = await start(backends.store, group, topic, vanTopic);
      await eventually(same, 60_000, 'the gauges rebuilt');
      expect(second.themes!.stats.events.rebuilds).toBeGreaterThan(0);
    });
  });
}
