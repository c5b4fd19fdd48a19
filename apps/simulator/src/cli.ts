#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { isCityopsError } from '@cityops/schema';
import { writeScenario } from './offline.js';
import { flagOf, parseScenarioOptions } from './options.js';
import { parseFileReplayArgs, parseReplayArgs } from './replay-args.js';
import { replayScenario } from './replay.js';
import { replayFile } from './replay-file.js';
import { openBusDelivery } from './replay-bus.js';

const USAGE = `usage:
  cityops-sim simulate --out DIR [--seed 42] [--hours 2] [--start ISO] [--sensors N] [--vehicles N]
                       [--tickets-per-hour N] [--incidents-per-hour N] [--incident-types a,b]
                       [--max-events-per-second N] [--feeds realistic|clean] [--decoys-per-hour N]
  cityops-sim replay --dir DIR --url http://127.0.0.1:8080 --api-key KEY [--speed 60|max] [--batch 1000]
  cityops-sim replay --dir DIR --bus [--speed 60|max]   (straight onto the bus: needs KAFKA_BROKERS and REDIS_URL)
  cityops-sim replay --file FILE.csv|.ndjson --adapter gps|hotline --url http://127.0.0.1:8080 --api-key KEY [--format csv|ndjson] [--batch 1000] [--deadline 120]`;

const NUMERIC = [
  'seed',
  'hours',
  'sensors',
  'vehicles',
  'ticketsPerHour',
  'incidentsPerHour',
  'maxEventsPerSecond',
  'decoysPerHour',
];

async function simulate(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      out: { type: 'string' },
      seed: { type: 'string' },
      hours: { type: 'string' },
      start: { type: 'string' },
      sensors: { type: 'string' },
      vehicles: { type: 'string' },
      'tickets-per-hour': { type: 'string' },
      'incidents-per-hour': { type: 'string' },
      'incident-types': { type: 'string' },
      'max-events-per-second': { type: 'string' },
      feeds: { type: 'string' },
      'decoys-per-hour': { type: 'string' },
    },
  });
  if (!values.out) throw new UsageError('--out: the output directory is required');
  const input: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(values)) {
    if (flag === 'out' || value === undefined) continue;
    const key = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    input[key] = NUMERIC.includes(key)
      ? toNumber(value)
      : key === 'incidentTypes'
        ? value.split(',').map((s) => s.trim())
        : value;
  }
  const options = parseScenarioOptions(input, flagOf);
  const t0 = performance.now();
  const { manifest } = await writeScenario({ options, outDir: values.out });
  const seconds = (performance.now() - t0) / 1000;
  const incidents =
    Object.entries(manifest.incidents)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const decoys = Object.values(manifest.decoys).reduce((a, b) => a + b, 0);
  process.stderr.write(
    `wrote ${manifest.events} events (${manifest.start} .. ${manifest.end}) and ground truth (${incidents}; ${decoys} decoys; ${options.feeds} feeds) to ${values.out} in ${seconds.toFixed(1)} s (${Math.round(manifest.events / seconds)} events/s incl. loading the city)\n`,
  );
}

async function replay(args: string[]): Promise<void> {
  if (args.some((a) => a === '--file' || a.startsWith('--file='))) return replayFileCommand(args);
  const o = parseReplayArgs(args, process.env);
  const bus = o.bus ? await openBusDelivery(process.env) : undefined;
  const summary = await replayScenario({ ...o, ...(bus ? { deliver: bus.deliver } : {}) }).finally(() => bus?.close());
  const rejected =
    Object.entries(summary.rejected)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  process.stdout.write(
    `replayed ${summary.events} events in ${summary.seconds.toFixed(1)} s (${summary.batches} batches, ${summary.retries} retries): accepted ${summary.accepted}, duplicates ${summary.duplicates}, rejected ${rejected}\n`,
  );
}

async function replayFileCommand(args: string[]): Promise<void> {
  const o = parseFileReplayArgs(args, process.env);
  const summary = await replayFile(o);
  const rejected =
    Object.entries(summary.rejected)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  process.stdout.write(
    `replayed ${summary.lines} lines of ${o.file} through the ${o.adapter} adapter in ${summary.seconds.toFixed(1)} s (${summary.batches} chunks, ${summary.retries} retries): accepted ${summary.accepted}, duplicates ${summary.duplicates}, rejected ${rejected}\n`,
  );
}

class UsageError extends Error {}

const toNumber = (v: string): number => (v.trim() === '' ? Number.NaN : Number(v));

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'simulate') await simulate(rest);
    else if (command === 'replay') await replay(rest);
    else throw new UsageError(command ? `unknown command ${command}` : 'name a command');
    return 0;
  } catch (err) {
    const message = isCityopsError(err)
      ? `${err.message} (${err.code})`
      : err instanceof Error
        ? err.message
        : String(err);
    process.stderr.write(`${command ?? 'cityops-sim'}: ${message}\n`);
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      process.stderr.write(`${USAGE}\n`);
    return isCityopsError(err) || err instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
