#!/usr/bin/env node
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadCityPack } from '@cityops/city';
import { seedFromEvents } from './seed.js';

/**
 * `npm run seed -w @cityops/themes -- --in DIR/events.ndjson --out seed/<pack id>.json [--pack DIR]`:
 * the baselines' seed from a simulated day (see the README).
 */
const { values } = parseArgs({
  options: { in: { type: 'string' }, out: { type: 'string' }, pack: { type: 'string' }, from: { type: 'string' } },
});
if (!values.in || !values.out) {
  process.stderr.write('usage: seed --in events.ndjson --out seed.json [--pack DIR] [--from "what made the events"]\n');
  process.exit(2);
}
const pack = loadCityPack(values.pack ?? process.env.CITY_PACK);
const started = performance.now();
const lines = createInterface({ input: createReadStream(values.in), crlfDelay: Infinity });
const { seed, events, samples } = await seedFromEvents(lines, pack, { generatedFrom: values.from ?? values.in });
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(seed)}\n`);
process.stderr.write(
  `seed: ${events} events, ${samples} samples, ${Object.keys(seed.hours).length} areas -> ${values.out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
