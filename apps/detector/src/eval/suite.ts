#!/usr/bin/env node
/**
 * `npm run eval:detect:suite -- [--seeds 1,2,3] [--hours 4] [--feeds realistic,clean] [--work DIR] [--check] [--json FILE]`
 *
 * Simulates each seed in each feed mode with the simulator's CLI (the same scenario knobs for
 * every run: nothing is tuned to one seed), runs the offline detector over each and scores it,
 * then prints the per-run and pooled tables (markdown, for the READMEs). Scenarios already in
 * --work (same seed, mode and knobs) are reused.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { evaluate, report } from './evaluate.js';

/** The scenario every run uses: the evening rush, dusk (lights on at 18:30) and the evening hotline wave. */
export const SUITE_SCENARIO = {
  start: '2025-06-02T16:30:00+08:00',
  sensors: 2000,
  vehicles: 400,
  ticketsPerHour: 600,
  incidentsPerHour: 8,
} as const;

const here = dirname(fileURLToPath(import.meta.url));
const simCli = resolve(here, '../../../simulator/dist/cli.js');

function simulate(dir: string, seed: number, hours: number, feeds: string): void {
  const args = [
    simCli,
    'simulate',
    '--out',
    dir,
    '--seed',
    String(seed),
    '--hours',
    String(hours),
    '--feeds',
    feeds,
    '--start',
    SUITE_SCENARIO.start,
    '--sensors',
    String(SUITE_SCENARIO.sensors),
    '--vehicles',
    String(SUITE_SCENARIO.vehicles),
    '--tickets-per-hour',
    String(SUITE_SCENARIO.ticketsPerHour),
    '--incidents-per-hour',
    String(SUITE_SCENARIO.incidentsPerHour),
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`simulate failed (${r.status}): ${r.stderr}`);
  process.stderr.write(r.stderr);
}

function sameScenario(dir: string, seed: number, hours: number, feeds: string): boolean {
  const f = join(dir, 'scenario.json');
  if (!existsSync(f) || !existsSync(join(dir, 'events.ndjson'))) return false;
  const m = JSON.parse(readFileSync(f, 'utf8')) as { options: Record<string, unknown> };
  const o = m.options;
  return (
    o.seed === seed &&
    o.hours === hours &&
    o.feeds === feeds &&
    o.start === SUITE_SCENARIO.start &&
    o.sensors === SUITE_SCENARIO.sensors &&
    o.vehicles === SUITE_SCENARIO.vehicles &&
    o.ticketsPerHour === SUITE_SCENARIO.ticketsPerHour &&
    o.incidentsPerHour === SUITE_SCENARIO.incidentsPerHour
  );
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      seeds: { type: 'string', default: '1,2,3' },
      hours: { type: 'string', default: '4' },
      feeds: { type: 'string', default: 'realistic,clean' },
      work: { type: 'string', default: join(tmpdir(), 'cityops-eval-suite') },
      check: { type: 'boolean' },
      json: { type: 'string' },
    },
  });
  const seeds = values.seeds.split(',').map((s) => Number(s.trim()));
  const hours = Number(values.hours);
  const modes = values.feeds.split(',').map((s) => s.trim());
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error('--seeds: whole numbers, comma separated');
  if (!(hours > 0 && hours <= 168)) throw new Error('--hours: between 0.01 and 168');
  if (!existsSync(simCli)) throw new Error(`${simCli} is missing: build the simulator first`);
  const dirs: string[] = [];
  for (const feeds of modes) {
    for (const seed of seeds) {
      const dir = join(values.work, `${feeds}-s${seed}-h${hours}`);
      if (!sameScenario(dir, seed, hours, feeds)) simulate(dir, seed, hours, feeds);
      dirs.push(dir);
    }
  }
  const runs = await evaluate(dirs, [], { log: (l) => process.stderr.write(l + '\n') });
  const { text, misses } = report(runs);
  const knobs = `seeds ${seeds.join(', ')}; ${hours} h each from ${SUITE_SCENARIO.start}; ${SUITE_SCENARIO.sensors} sensors, ${SUITE_SCENARIO.vehicles} vans, ${SUITE_SCENARIO.ticketsPerHour} tickets/h, ${SUITE_SCENARIO.incidentsPerHour} incidents/h; feeds ${modes.join(', ')}`;
  process.stdout.write(`Scenarios: ${knobs}\n\n${text}\n`);
  if (values.json) await writeFile(values.json, JSON.stringify(runs, null, 2) + '\n');
  process.stdout.write(
    misses.length ? `\nMissed targets:\n${misses.map((m) => `- ${m}`).join('\n')}\n` : '\nAll targets met.\n',
  );
  return values.check && misses.length ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`eval:detect:suite: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
