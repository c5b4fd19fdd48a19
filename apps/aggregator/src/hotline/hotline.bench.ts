import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import type { ConsumedRecord } from '@cityops/bus';
import { CityIndex, loadCityPack } from '@cityops/city';
import { kpiContextOf } from '@cityops/hotline-kpis';
import { SCENARIO_FILES, parseScenarioOptions, writeScenario } from '@cityops/simulator';
import { hotlineRouterStage, hotlineTicketStage } from './stages.js';

/**
 * The hotline KPI folds against a floor measured in the same run: the router (parse + validate +
 * route each envelope) and the month ticket stage (fold + counter differences per stage event)
 * over a 2-hour simulator scenario, tickets only, in batches of 500 as the runtime hands them,
 * against `JSON.parse` of the same records. Run: `npx vitest bench --run src/hotline/hotline.bench.ts`.
 */
const dir = await mkdtemp(join(tmpdir(), 'cityops-kpi-bench-'));
const pack = loadCityPack();
await writeScenario({
  options: parseScenarioOptions({ seed: 3, hours: 2, sensors: 0, vehicles: 0, incidentsPerHour: 0, decoysPerHour: 0 }),
  outDir: dir,
  pack,
  index: new CityIndex(pack),
});
const lines = (await readFile(join(dir, SCENARIO_FILES.events), 'utf8')).trim().split('\n');
afterAll(() => rm(dir, { recursive: true, force: true }));

const asRecords = (values: string[]): ConsumedRecord[] =>
  values.map(
    (value, offset) =>
      ({
        topic: 't',
        partition: 0,
        offset,
        key: null,
        value,
        timestamp: Date.now(),
        headers: {},
      }) as unknown as ConsumedRecord,
  );
const events = asRecords(lines);
const router = hotlineRouterStage({ group: 'bench' });
const routed: string[] = [];
for (let i = 0; i < events.length; i += 500)
  for (const o of router.fold({
    topic: 't',
    partition: 0,
    records: events.slice(i, i + 500),
    watermark: null,
    state: new Map(),
  }).outgoing ?? [])
    routed.push(o.value);
const stageRecords = asRecords(routed);
const ctx = kpiContextOf(pack);

describe(`hotline folds, ${events.length} envelopes / ${stageRecords.length} stage events`, () => {
  bench('reference: JSON.parse of every envelope', () => {
    for (const r of events) JSON.parse(r.value);
  });
  bench('router: parse, validate, route', () => {
    for (let i = 0; i < events.length; i += 500)
      router.fold({ topic: 't', partition: 0, records: events.slice(i, i + 500), watermark: null, state: new Map() });
  });
  bench('month ticket stage: fold + counter differences (state carried like the runtime)', () => {
    const stage = hotlineTicketStage({ group: 'bench', kind: 'month', ctx });
    const state = new Map<string, string>();
    let watermark: number | null = null;
    for (let i = 0; i < stageRecords.length; i += 500) {
      const out = stage.fold({ topic: 't', partition: 0, records: stageRecords.slice(i, i + 500), watermark, state });
      for (const [k, v] of out.set ?? []) state.set(k, v);
      for (const k of out.del ?? []) state.delete(k);
      watermark = out.watermark;
    }
  });
});
