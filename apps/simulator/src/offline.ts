import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { CityIndex, loadCityPack, type CityPack } from '@cityops/city';
import { HOUR, MINUTE } from './engine/clock.js';
import { Scenario } from './engine/scenario.js';
import type { DecoyRecord, GroundTruthRecord } from './engine/truth.js';
import type { HotlineTally } from './engine/hotline.js';
import type { ScenarioOptions } from './options.js';

/** File names inside a scenario directory. */
export const SCENARIO_FILES = {
  events: 'events.ndjson',
  truth: 'ground-truth.json',
  scenario: 'scenario.json',
} as const;

/** The small description written to scenario.json and read back by replay. */
export interface ScenarioManifest {
  format: 1;
  pack: { id: string; version: string };
  options: ScenarioOptions;
  start: string;
  end: string;
  events: number;
  byType: Record<string, number>;
  byKind: Record<string, number>;
  cappedReadings: number;
  incidents: Record<string, number>;
  decoys: Record<string, number>;
  /**
   * The simulator's own 接诉即办 figures of the tickets in this file (its tally as it emitted the
   * stages, with the pack's deadlines): counts and rates as fractions, each null without a denominator.
   */
  hotline: HotlineTally & {
    responseRate: number | null;
    resolutionRate: number | null;
    satisfactionRate: number | null;
  };
}

export interface OfflineOptions {
  options: ScenarioOptions;
  outDir: string;
  /** default: the pack from `loadCityPack()` */
  pack?: CityPack;
  index?: CityIndex;
}

export interface OfflineResult {
  manifest: ScenarioManifest;
  truth: GroundTruthRecord[];
  decoys: DecoyRecord[];
}

/** How much simulated time is produced, joined and written at once: bounded memory for week-long runs. */
const CHUNK_MS = 5 * MINUTE;

/**
 * Writes a scenario as fast as the machine allows: `events.ndjson` (canonical envelopes in
 * event-time order, streamed in chunks with backpressure), `ground-truth.json` and `scenario.json`.
 * Event times start at `options.start`; ids are prefixed with the seed. Nothing depends on the
 * machine's clock, so the same options give byte-identical files.
 */
export async function writeScenario(o: OfflineOptions): Promise<OfflineResult> {
  const pack = o.pack ?? loadCityPack();
  const index = o.index ?? new CityIndex(pack);
  const startMs = Date.parse(o.options.start);
  const endMs = startMs + Math.round(o.options.hours * HOUR);
  const sim = new Scenario(pack, index, o.options, { startMs, endMs, idPrefix: `s${o.options.seed}` });

  await mkdir(o.outDir, { recursive: true });
  const out = createWriteStream(join(o.outDir, SCENARIO_FILES.events));
  const failed = once(out, 'error').then(([err]) => Promise.reject(err as Error));
  failed.catch(() => undefined);
  let lines: string[] = [];
  for (let t = startMs; !sim.done; t += CHUNK_MS) {
    sim.runUntil(t + CHUNK_MS, (e) => lines.push(JSON.stringify(e)));
    if (lines.length === 0) continue;
    const ok = out.write(lines.join('\n') + '\n');
    lines = [];
    if (!ok) await Promise.race([once(out, 'drain'), failed]);
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);

  const counts = sim.counts();
  const truth = sim.groundTruth();
  const decoys = sim.decoys();
  const incidents: Record<string, number> = {};
  for (const r of truth) incidents[r.type] = (incidents[r.type] ?? 0) + 1;
  const decoyCounts: Record<string, number> = {};
  for (const r of decoys) decoyCounts[r.type] = (decoyCounts[r.type] ?? 0) + 1;
  const manifest: ScenarioManifest = {
    format: 1,
    pack: { id: pack.meta.id, version: pack.meta.version },
    options: o.options,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    events: counts.total,
    byType: sortKeys(counts.byType),
    byKind: sortKeys(counts.byKind),
    cappedReadings: counts.capped,
    incidents: sortKeys(incidents),
    decoys: sortKeys(decoyCounts),
    hotline: hotlineFigures(sim.hotlineTally()),
  };
  await writeFile(
    join(o.outDir, SCENARIO_FILES.truth),
    JSON.stringify({ start: manifest.start, end: manifest.end, incidents: truth, decoys }, null, 2) + '\n',
  );
  await writeFile(join(o.outDir, SCENARIO_FILES.scenario), JSON.stringify(manifest, null, 2) + '\n');
  return { manifest, truth, decoys };
}

function hotlineFigures(t: HotlineTally): ScenarioManifest['hotline'] {
  const rate = (n: number, d: number) => (d > 0 ? n / d : null);
  return {
    ...t,
    responseRate: rate(t.responded, t.received),
    resolutionRate: rate(t.resolved, t.received),
    satisfactionRate: rate(t.satisfied, t.callbacks),
  };
}

function sortKeys(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
