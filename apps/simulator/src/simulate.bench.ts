import { createWriteStream } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { HOUR } from './engine/clock.js';
import { Scenario } from './engine/scenario.js';
import { parseScenarioOptions } from './options.js';
import { defaultCity } from './test/fixture.js';

/**
 * Offline simulator throughput, next to a reference measured in the same run: writing the same
 * number of pre-built envelopes of the same size with plain JSON.stringify to the same kind of
 * file. The ratio (reference time / simulator time) is what to compare across machines.
 * Events/s = events per iteration / mean time (both printed below the table).
 */
const city = defaultCity();
const options = parseScenarioOptions({ seed: 42, hours: 0.5 });
const startMs = Date.parse(options.start);
const dir = mkdtempSync(join(tmpdir(), 'cityops-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// one untimed run: how many events a half hour has, and the envelopes for the reference
const prebuilt: object[] = [];
new Scenario(city.pack, city.index, options, {
  startMs,
  endMs: startMs + options.hours * HOUR,
  idPrefix: 's42',
}).runUntil(Infinity, (e) => prebuilt.push(e));
console.log(`events per iteration: ${prebuilt.length}`);

async function writeLines(path: string, produce: (push: (line: string) => void) => void): Promise<void> {
  const out = createWriteStream(path);
  let lines: string[] = [];
  produce((l) => {
    lines.push(l);
    if (lines.length >= 20_000) {
      out.write(lines.join('\n') + '\n');
      lines = [];
    }
  });
  if (lines.length) out.write(lines.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
}

describe('offline events per second (half an hour, default knobs)', () => {
  bench(
    'simulator: engine + JSON + write',
    async () => {
      const sim = new Scenario(city.pack, city.index, options, {
        startMs,
        endMs: startMs + options.hours * HOUR,
        idPrefix: 's42',
      });
      await writeLines(join(dir, 'sim.ndjson'), (push) => sim.runUntil(Infinity, (e) => push(JSON.stringify(e))));
    },
    { iterations: 5, warmupIterations: 1 },
  );
  bench(
    'reference: JSON.stringify + write of pre-built envelopes',
    async () => {
      await writeLines(join(dir, 'ref.ndjson'), (push) => {
        for (const e of prebuilt) push(JSON.stringify(e));
      });
    },
    { iterations: 5, warmupIterations: 1 },
  );
});
