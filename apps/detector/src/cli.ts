#!/usr/bin/env node
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadCityPack } from '@cityops/city';
import { isCityopsError, parseCityEvent, type CityEvent } from '@cityops/schema';
import { detectOffline } from './offline.js';
import { RULES } from './rules/index.js';
import { loadSettings } from './settings.js';

const USAGE = `usage: cityops-detect --in DIR/events.ndjson --out alerts.ndjson [--pack DIR] [--settings FILE.json] [--lateness-ms N]
  runs every rule over the events in event time (the live detector's code) and writes each alert
  event it would publish, one JSON per line. Lines that are not events are counted and reported
  on stderr (the first ten with their line numbers), never fatal.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      pack: { type: 'string' },
      settings: { type: 'string' },
      'lateness-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.in) throw new UsageError('--in: the events file is required');
  if (!values.out) throw new UsageError('--out: the alerts file is required');
  const lateness = values['lateness-ms'] === undefined ? 5 * 60_000 : Number(values['lateness-ms']);
  if (!Number.isInteger(lateness) || lateness < 0) throw new UsageError('--lateness-ms: a whole number of ms');
  const pack = loadCityPack(values.pack ?? process.env.CITY_PACK);
  const settings = loadSettings(RULES, values.pack ?? process.env.CITY_PACK, values.settings);

  const bad: Record<string, number> = {};
  let shown = 0;
  let lines = 0;
  const inFile = values.in;
  async function* events(): AsyncIterable<CityEvent> {
    const rl = createInterface({ input: createReadStream(inFile), crlfDelay: Infinity });
    for await (const line of rl) {
      lines++;
      if (line.trim() === '') continue;
      let r: ReturnType<typeof parseCityEvent>;
      try {
        r = parseCityEvent(JSON.parse(line));
      } catch {
        r = { ok: false, code: 'E_EVT_NOT_JSON', reason: 'not JSON' };
      }
      if (!r.ok) {
        bad[r.code] = (bad[r.code] ?? 0) + 1;
        if (shown++ < 10) console.error(`${inFile}:${lines}: ${r.code} ${r.reason}`);
        continue;
      }
      yield r.event;
    }
  }
  const out = createWriteStream(values.out);
  const dropped: Record<string, number> = {};
  let alerts = 0;
  const t0 = performance.now();
  for await (const a of detectOffline(events(), { pack, settings, allowedLatenessMs: lateness, dropped })) {
    alerts++;
    if (!out.write(JSON.stringify(a) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  const skipped = { ...bad, ...dropped };
  console.error(
    `${lines} lines, ${alerts} alert events → ${values.out} in ${s} s` +
      (Object.keys(skipped).length ? `; not used: ${JSON.stringify(skipped)}` : ''),
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(isCityopsError(err) ? `${err.code}: ${err.message}` : err);
  process.exit(1);
});
