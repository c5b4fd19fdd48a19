import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIO_FILES, writeScenario } from './offline.js';
import { parseScenarioOptions } from './options.js';
import { defaultCity } from './test/fixture.js';

const dirs: string[] = [];
const write = async (input: object) => {
  const dir = await mkdtemp(join(tmpdir(), 'cityops-sim-'));
  dirs.push(dir);
  await writeScenario({ options: parseScenarioOptions(input), outDir: dir, ...defaultCity() });
  const read = (f: string) => readFile(join(dir, f), 'utf8');
  return {
    dir,
    events: await read(SCENARIO_FILES.events),
    truth: await read(SCENARIO_FILES.truth),
    scenario: await read(SCENARIO_FILES.scenario),
  };
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('offline mode', () => {
  const small = { seed: 42, hours: 0.2, sensors: 500, vehicles: 100, incidentsPerHour: 15 };

  it('writes byte-identical files for the same seed and options', async () => {
    const a = await write(small);
    const b = await write(small);
    expect(a.events.length).toBeGreaterThan(10_000);
    expect(b.events).toBe(a.events);
    expect(b.truth).toBe(a.truth);
    expect(b.scenario).toBe(a.scenario);
  });

  it('writes different events for a different seed', async () => {
    const a = await write(small);
    const c = await write({ ...small, seed: 43 });
    expect(c.events).not.toBe(a.events);
  });

  it('starts event times at the start option and counts what it wrote in scenario.json', async () => {
    const a = await write({ ...small, start: '2025-01-06T18:00:00+08:00' });
    const lines = a.events.trimEnd().split('\n');
    expect(JSON.parse(lines[0]!).eventTime >= '2025-01-06T10:00:00.000Z').toBe(true);
    expect(JSON.parse(lines.at(-1)!).eventTime < '2025-01-06T10:12:00.000Z').toBe(true);
    const manifest = JSON.parse(a.scenario);
    expect(manifest.events).toBe(lines.length);
    expect(manifest.start).toBe('2025-01-06T10:00:00.000Z');
    const truth = JSON.parse(a.truth);
    expect(truth.incidents.length).toBe(
      Object.values(manifest.incidents as Record<string, number>).reduce((s, n) => s + n, 0),
    );
  });
});
