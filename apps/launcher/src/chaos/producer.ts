/**
 * The chaos suite's producer process: the replay tool (`replayScenario` from @cityops/simulator,
 * the code behind `cityops-sim replay`, with its batching and retries) posting a scenario to a
 * gateway, with one difference: its clock (`replayClock`) starts at a given anchor, so that every
 * event's stamp follows from the file alone (`replayStamp`) and a re-run of the same scenario
 * after a kill stamps each event exactly as the first run did. Every posted event is checked against that
 * stamp; a mismatch stops the producer with exit code 3.
 *
 * Usage: node producer.js '{"dir":..,"url":..,"apiKey":..,"speed":..,"anchor":..,"batch":..}'
 * Prints `chaos-post <events> <sent>` before each POST (sent = events posted so far, re-sends
 * included), `chaos-ack <ms>` after each acknowledged one (how long the request took) and
 * `chaos-summary <json>` at the end.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SCENARIO_FILES, replayScenario, type ScenarioManifest } from '@cityops/simulator';
import { replayClock } from './clock.js';
import type { ProducerArgs } from './producer-args.js';
import { replayStamp } from './scenario.js';

const args = JSON.parse(process.argv[2] ?? '{}') as ProducerArgs;
const manifest = JSON.parse(readFileSync(join(args.dir, SCENARIO_FILES.scenario), 'utf8')) as ScenarioManifest;
const start = Date.parse(manifest.start);
const stamps = new Map<string, string>();
const lines = createInterface({ input: createReadStream(join(args.dir, SCENARIO_FILES.events)), crlfDelay: Infinity });
for await (const line of lines) {
  if (!line) continue;
  const e = JSON.parse(line) as { id: string; eventTime: string };
  stamps.set(e.id, new Date(replayStamp(Date.parse(e.eventTime), start, args.anchor, args.speed)).toISOString());
}

let sent = 0;
const checkingFetch: typeof fetch = async (input, init) => {
  const body = typeof init?.body === 'string' ? init.body : '';
  const posted = body.split('\n').filter(Boolean);
  for (const line of posted) {
    const e = JSON.parse(line) as { id: string; eventTime: string };
    if (stamps.get(e.id) !== e.eventTime) {
      process.stderr.write(
        `chaos producer: ${e.id} was stamped ${e.eventTime}, the scenario mapping says ${stamps.get(e.id)}: ` +
          `the replay's re-basing changed; update replayStamp in apps/launcher/src/chaos/scenario.ts\n`,
      );
      process.exit(3);
    }
  }
  sent += posted.length;
  process.stdout.write(`chaos-post ${posted.length} ${sent}\n`);
  const t0 = Date.now();
  const res = await fetch(input, init);
  if (res.status === 202 || res.status === 200) process.stdout.write(`chaos-ack ${Date.now() - t0}\n`);
  return res;
};

const now = replayClock(args.anchor, args.skipMs);
try {
  const summary = await replayScenario({
    dir: args.dir,
    url: args.url,
    apiKey: args.apiKey,
    speed: args.speed,
    batchSize: args.batch,
    fetch: checkingFetch,
    now,
  });
  process.stdout.write(`chaos-summary ${JSON.stringify(summary)}\n`);
} catch (err) {
  process.stderr.write(`chaos producer: ${String(err)}\n`);
  process.exit(1);
}
