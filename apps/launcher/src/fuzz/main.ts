/**
 * `npm run fuzz`: the fuzz suite against the built launcher. Options: --seeds 1,2,3 (default
 * 1,2,3), --inputs N per seed (default 30000), --minutes M for each seed's mutation phase
 * (default 4), --distributed-seeds 1 (default: the first seed; "none" to skip),
 * --rss-growth-mb (default 256). Prints the table; exits 1 if any run fails.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_BOUNDS, runFuzz, type RunResult } from './runner.js';
import { formatTable } from './table.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    inputs: { type: 'string', default: '30000' },
    minutes: { type: 'string', default: '4' },
    'distributed-seeds': { type: 'string' },
    'rss-growth-mb': { type: 'string', default: String(DEFAULT_BOUNDS.rssGrowthMb) },
  },
});
const seeds = values.seeds.split(',').map(Number);
const inputs = Number(values.inputs);
const minutes = Number(values.minutes);
const rssGrowthMb = Number(values['rss-growth-mb']);
if (!seeds.every((s) => Number.isInteger(s) && s >= 0)) fail('--seeds: non-negative integers, comma separated');
if (!(inputs >= 1 && inputs <= 10_000_000)) fail('--inputs: between 1 and 10,000,000');
if (!(minutes > 0 && minutes <= 10))
  fail('--minutes: above 0, at most 10 (the vital signs are checked on the 15-minute window)');
if (!(rssGrowthMb > 0)) fail('--rss-growth-mb: a positive number');
const dist = values['distributed-seeds'] ?? String(seeds[0]);
const distSeeds = dist === 'none' ? [] : dist.split(',').map(Number);

const log = (m: string) => process.stderr.write(`[fuzz] ${m}\n`);
const bounds = { ...DEFAULT_BOUNDS, rssGrowthMb };
const results: RunResult[] = [];
for (const seed of seeds) {
  results.push(
    await runFuzz({
      seed,
      mode: 'embedded',
      inputs,
      mutationMs: minutes * 60_000,
      structureBombs: true,
      sizePressure: 400,
      slowClients: { headerClients: 200, bodyClients: 50, durationMs: 30_000 },
      slowReader: { resyncs: 20_000, pauseMs: 10_000 },
      bounds,
      log,
    }),
  );
}
for (const seed of distSeeds) {
  // briefly: the same inputs through Kafka and Redis, without the slow-client phases
  results.push(
    await runFuzz({
      seed,
      mode: 'distributed',
      inputs: Math.min(inputs, 5_000),
      mutationMs: 60_000,
      structureBombs: true,
      sizePressure: 0,
      slowClients: null,
      slowReader: null,
      bounds,
      log,
    }),
  );
}
process.stdout.write(`\n${formatTable(results)}\n`);
process.exit(results.every((r) => r.pass) ? 0 : 1);

function fail(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\n`);
  process.exit(2);
}
