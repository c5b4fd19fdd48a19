#!/usr/bin/env node
/**
 * `npm run eval:detect -- --dir DIR [--dir DIR2 ...] [--alerts FILE ...] [--check] [--save-alerts] [--json FILE]`
 *
 * For each scenario directory: runs the offline detector over DIR/events.ndjson (or reads the
 * alert events of the matching --alerts FILE, given in the same order as the dirs), scores them
 * against DIR/ground-truth.json and prints a table per run and pooled over all runs (and per feed
 * mode when the runs' scenario.json say which). With --check the exit code is 1 when a pooled
 * figure misses its target (issue 9).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { evaluate, report } from './evaluate.js';

const USAGE =
  'usage: eval:detect --dir DIR [--dir DIR2 ...] [--alerts FILE ...] [--check] [--save-alerts] [--json FILE]';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        dir: { type: 'string', multiple: true },
        alerts: { type: 'string', multiple: true },
        check: { type: 'boolean' },
        'save-alerts': { type: 'boolean' },
        json: { type: 'string' },
      },
    }));
  } catch (err) {
    process.stderr.write(`eval:detect: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const dirs = values.dir ?? [];
  const alertFiles = values.alerts ?? [];
  if (dirs.length === 0) {
    process.stderr.write(`eval:detect: --dir: name at least one scenario directory\n${USAGE}\n`);
    return 2;
  }
  if (alertFiles.length && alertFiles.length !== dirs.length) {
    process.stderr.write(`eval:detect: --alerts: give one file per --dir, in the same order\n${USAGE}\n`);
    return 2;
  }
  try {
    const runs = await evaluate(dirs, alertFiles, {
      saveAlerts: values['save-alerts'] === true,
      log: (l) => process.stderr.write(l + '\n'),
    });
    const { text, misses } = report(runs);
    process.stdout.write(text + '\n');
    if (values.json) await writeFile(values.json, JSON.stringify(runs, null, 2) + '\n');
    if (misses.length) process.stdout.write(`\nMissed targets:\n${misses.map((m) => `- ${m}`).join('\n')}\n`);
    else process.stdout.write('\nAll targets met.\n');
    return values.check && misses.length ? 1 : 0;
  } catch (err) {
    process.stderr.write(`eval:detect: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
