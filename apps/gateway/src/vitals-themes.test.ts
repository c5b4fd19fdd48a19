import { afterAll, describe, expect, it } from 'vitest';
import { loadCityPack } from '@cityops/city';
import { applyMergePatch, type Delta, type Json, type Snapshot, type VitalsSnapshot } from '@cityops/schema';
import { MemoryStore } from '@cityops/store';
import { ThemesView, themesGroups } from '@cityops/themes';
import { VitalsChannel } from './vitals-channel.js';

const pack = loadCityPack();
const district = pack.districts[0]!.id;
const T0 = Date.UTC(2026, 5, 1, 4, 0, 0);

class Recorder {
  readonly messages: Array<{ event: string; payload: unknown }> = [];
  emit(event: string, payload: unknown) {
    this.messages.push({ event, payload });
  }
}

describe('VitalsChannel with themes', () => {
  const store = new MemoryStore();
  afterAll(async () => {
    await store.close();
  });
  let next = 0;
  async function gauges(group: string, t: number, moves: Array<{ field: string; by: number }>) {
    const g = themesGroups(group).events;
    const from = next++;
    await store.applyBatch({
      group: g,
      epoch: (await store.openEpoch(g)).epoch,
      topic: 'city.events.v1',
      partition: 0,
      fromOffset: from,
      nextOffset: from + 1,
      increments: [],
      gauges: moves,
      watermark: t,
      dropped: {},
    });
  }

  it('carries the themes from the gauges, and a change of one figure sends only that number', async () => {
    const rec = new Recorder();
    const channel = new VitalsChannel(store, 'g1', rec, 1_000_000, new ThemesView({ store, group: 'g1', pack }), 0);
    await channel.tick();
    expect((rec.messages[0]!.payload as Snapshot<VitalsSnapshot>).state.themes).toBeUndefined(); // no figures yet
    await gauges('g1', T0, [
      { field: 'c|wl.n', by: 2 },
      { field: 'c|wl.a', by: 1 },
      { field: 'c|wl.b:31', by: 1 },
      { field: 'c|wl.b:4', by: 1 },
      { field: `d:${district}|wl.n`, by: 2 },
      { field: `d:${district}|wl.a`, by: 1 },
      { field: `d:${district}|wl.b:31`, by: 1 },
      { field: `d:${district}|wl.b:4`, by: 1 },
    ]);
    await channel.tick();
    let state = channel.snapshot()!.state;
    expect(state.themes!.city.values).toEqual({ 'water.maxLevelCm': 31, 'water.gaugesAboveAlarm': 1 });
    expect(state.themes!.byDistrict[district]!.values['water.maxLevelCm']).toBe(31);
    expect(state.themes!.city.health).toBe(60); // a gauge above the alarm line caps the index
    expect(state.themes!.areaKm2[district]).toBeGreaterThan(1);
    // the highest gauge falls to 12 cm
    await gauges('g1', T0 + 1000, [
      { field: 'c|wl.a', by: -1 },
      { field: 'c|wl.b:31', by: -1 },
      { field: 'c|wl.b:12', by: 1 },
    ]);
    await channel.tick();
    const delta = rec.messages.at(-1)!.payload as Delta;
    expect(delta.patch).toEqual({
      themes: {
        asOf: new Date(T0 + 1000).toISOString(),
        city: { values: { 'water.maxLevelCm': 12, 'water.gaugesAboveAlarm': 0 }, health: null },
      },
    });
    expect(state.themes!.healthTrend.city).toEqual([[T0 - (T0 % 300_000), 60]]);
    state = applyMergePatch(state as unknown as Json, delta.patch as Json) as unknown as VitalsSnapshot;
    expect(state).toEqual(channel.snapshot()!.state);
    expect(JSON.stringify(delta).length).toBeLessThan(300);
  });

  it('keeps the last themes when reading them fails, and the counts go on', async () => {
    const rec = new Recorder();
    const view = new ThemesView({ store, group: 'g1', pack });
    let fail = false;
    const channel = new VitalsChannel(
      store,
      'g2',
      rec,
      1_000_000,
      { read: () => (fail ? Promise.reject(new Error('redis away')) : view.read()) },
      0,
    );
    await channel.tick();
    const before = channel.snapshot()!.state.themes;
    expect(before).toBeDefined();
    fail = true;
    await channel.tick();
    expect(channel.snapshot()!.state.themes).toEqual(before);
    expect(channel.themesError).toMatch(/redis away/);
    expect(channel.lastError).toBeNull();
  });

  it('reads the themes at most every themesEveryMs, so deltas in between carry the counts only', async () => {
    const rec = new Recorder();
    let reads = 0;
    const view = new ThemesView({ store, group: 'g1', pack });
    const channel = new VitalsChannel(store, 'g3', rec, 1_000_000, { read: () => (reads++, view.read()) }, 60_000);
    await channel.tick();
    await channel.tick();
    await channel.tick();
    expect(reads).toBe(1);
    expect(channel.snapshot()!.state.themes).toBeDefined();
  });
});
