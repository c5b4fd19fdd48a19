/**
 * `npm run chaos`: the chaos suite. Options: --seed N (default 1), --hours H (scenario length,
 * default 1), --only a,b (fault ids: none,a,b,c,d,e,f,g), --replay-seconds S (default 60),
 * --keep (keep logs and data). Prints the table; exits 1 if any run FAILs.
 */
import { parseArgs } from 'node:util';
import { allFaults } from './faults.js';
import { killAllNow } from './procs.js';
import { runSuite } from './suite.js';
import { formatTable } from './table.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    hours: { type: 'string', default: '1' },
    only: { type: 'string' },
    'replay-seconds': { type: 'string', default: '60' },
    keep: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const hours = Number(values.hours);
const replaySeconds = Number(values['replay-seconds']);
if (!Number.isInteger(seed) || seed < 0) fail('--seed: a non-negative integer');
if (!(hours >= 0.01 && hours <= 24)) fail('--hours: between 0.01 and 24');
if (!(replaySeconds >= 5 && replaySeconds <= 600)) fail('--replay-seconds: between 5 and 600');

const every = allFaults({ aggregatorKills: 10, aggregatorMaxLifeMs: 9_000, gatewayKills: 5 });
const only = values.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((id) => !every.some((f) => f.id === id)) ?? [];
if (unknown.length) fail(`--only: unknown fault ${unknown.join(', ')} (known: ${every.map((f) => f.id).join(',')})`);
const faults = only ? every.filter((f) => only.includes(f.id)) : every;

process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

const results = await runSuite({
  seed,
  hours,
  faults,
  replayMs: replaySeconds * 1000,
  runDeadlineMs: replaySeconds * 1000 * 2 + 180_000,
  keep: values.keep,
  log: (m) => process.stderr.write(`[chaos] ${m}\n`),
});
process.stdout.write(`\n${formatTable(results)}\n`);
process.exit(results.length === faults.length && results.every((r) => r.pass) ? 0 : 1);

function fail(msg: string): never {
  process.stderr.write(`chaos: ${msg}\n`);
  process.exit(2);
}
