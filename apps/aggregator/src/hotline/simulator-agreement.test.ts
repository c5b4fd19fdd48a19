import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '@cityops/bus';
import { CityIndex, loadCityPack } from '@cityops/city';
import {
  HOTLINE_MONTH_TTL_MS,
  HOTLINE_ROLLING_TTL_MS,
  KpiBook,
  hotlineGroups,
  kpiContextOf,
  readKpis,
  stageEventOf,
} from '@cityops/hotline-kpis';
import { CityEvent } from '@cityops/schema';
import { SCENARIO_FILES, parseScenarioOptions, writeScenario } from '@cityops/simulator';
import { MemoryStore } from '@cityops/store';
import { eventually } from '@cityops/testkit';
import { HotlineKpiStages } from './hotline.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * Issue 11's "done when": a 12-hour simulator scenario (tickets only: no sensors, vans, incidents
 * or decoys) whose own tally of what it generated (scenario.json `hotline`, counted in the
 * simulator as it emits each stage) the aggregator's stages reproduce within a tenth of a point.
 */
describe('the 12-hour simulator scenario', () => {
  it("the aggregator's month figures equal the simulator's own rates (within 0.001), and so does the offline fold", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cityops-kpi-12h-'));
    dirs.push(dir);
    const pack = loadCityPack();
    const options = parseScenarioOptions({
      seed: 11,
      hours: 12,
      sensors: 0,
      vehicles: 0,
      incidentsPerHour: 0,
      decoysPerHour: 0,
    });
    const { manifest } = await writeScenario({ options, outDir: dir, pack, index: new CityIndex(pack) });
    const sim = manifest.hotline;
    expect(sim.received).toBeGreaterThan(5_000);

    const lines = (await readFile(join(dir, SCENARIO_FILES.events), 'utf8')).trim().split('\n');
    const bus = new EmbeddedBus();
    const store = new MemoryStore();
    const stores = {
      month: new MemoryStore({ bucketTtlMs: HOTLINE_MONTH_TTL_MS }),
      rolling: new MemoryStore({ bucketTtlMs: HOTLINE_ROLLING_TTL_MS }),
    };
    const book = new KpiBook(kpiContextOf(pack));
    try {
      await bus.ensureTopics([{ topic: 'ev12', partitions: 8 }]);
      const records = lines.map((l) => {
        const e = CityEvent.parse(JSON.parse(l));
        const s = stageEventOf(e);
        if (s) book.add(s);
        return { key: e.location.gridId ?? null, value: l };
      });
      for (let i = 0; i < records.length; i += 5_000) await bus.publish('ev12', records.slice(i, i + 5_000));
      const stages = new HotlineKpiStages({
        bus,
        store,
        stores,
        pack,
        group: 'agg12',
        topic: 'ev12',
        byTicketTopic: 'bt12',
      });
      const t0 = performance.now();
      await stages.start();
      const g = hotlineGroups('agg12');
      const src = {
        month: { store: stores.month, group: g.month },
        rolling: { store: stores.rolling, group: g.rolling },
        timeZone: pack.meta.timeZone,
      };
      const city = await eventually(
        async () => {
          const a = (await readKpis(src, 'city', '2025-06')).kpis.areas[0];
          return a && a.received === sim.received && a.callbacks === sim.callbacks ? a : undefined;
        },
        60_000,
        'every ticket of the scenario counted',
      );
      const foldMs = performance.now() - t0;
      await stages.stop();
      for (const k of ['responseRate', 'resolutionRate', 'satisfactionRate'] as const)
        expect(Math.abs(city[k]! - sim[k]!), k).toBeLessThanOrEqual(0.001);
      // the counts themselves agree exactly: the same definitions, two implementations
      expect({
        received: city.received,
        responded: city.responded,
        respondedLate: city.respondedLate,
        resolved: city.resolved,
        resolvedLate: city.resolvedLate,
        callbacks: city.callbacks,
        satisfied: city.satisfied,
      }).toEqual({
        received: sim.received,
        responded: sim.responded,
        respondedLate: sim.respondedLate,
        resolved: sim.resolved,
        resolvedLate: sim.resolvedLate,
        callbacks: sim.callbacks,
        satisfied: sim.satisfied,
      });
      const offline = book.kpis('city', '2025-06').areas[0]!;
      expect(offline.received).toBe(sim.received);
      expect(offline.responseRate).toBe(city.responseRate);
      // medians: the histogram's half bin (response medians are under an hour, resolve under 3 h)
      expect(Math.abs(offline.medianResponseMin! - city.medianResponseMin!)).toBeLessThanOrEqual(0.55);
      expect(Math.abs(offline.medianResolveMin! - city.medianResolveMin!)).toBeLessThanOrEqual(1.05);
      console.log(
        `12 h scenario: ${sim.received} tickets; simulator ${[sim.responseRate, sim.resolutionRate, sim.satisfactionRate].map((x) => x!.toFixed(4)).join(' / ')}; ` +
          `aggregator ${[city.responseRate, city.resolutionRate, city.satisfactionRate].map((x) => x!.toFixed(4)).join(' / ')}; ` +
          `median respond ${city.medianResponseMin} (exact ${offline.medianResponseMin}), resolve ${city.medianResolveMin} (exact ${offline.medianResolveMin}) min; stages ${Math.round(foldMs)} ms`,
      );
    } finally {
      await bus.close();
      await Promise.all([store.close(), stores.month.close(), stores.rolling.close()]);
    }
  }, 120_000);
});
