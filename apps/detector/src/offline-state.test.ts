import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CityIndex } from '@cityops/city';
import type { AlertEvent } from '@cityops/schema';
import { parseScenarioOptions, writeScenario } from '@cityops/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { scenarioEvents } from './eval/run.js';
import { detectOffline } from './offline.js';
import { pack } from './test/fixtures.js';

/**
 * The decoded-state cache must not change a single decision: the same realistic scenario (every
 * incident type, decoys, dusk for the lights) detected with every key's state through JSON at
 * every step and with decoded states kept between events gives the same alert events.
 */
describe('offline detection: decoded state equals state through JSON', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the same alert events, in the same order, on a realistic scenario with every incident type', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cityops-detector-state-'));
    const options = parseScenarioOptions({
      seed: 21,
      hours: 1.5,
      start: '2025-06-02T17:45:00+08:00',
      sensors: 800,
      vehicles: 120,
      ticketsPerHour: 600,
      incidentsPerHour: 12,
    });
    await writeScenario({ options, outDir: dir });
    const index = new CityIndex(pack);
    const run = async (state: 'decoded' | 'json') => {
      const out: AlertEvent[] = [];
      const rejected: Record<string, number> = {};
      for await (const a of detectOffline(scenarioEvents(join(dir, 'events.ndjson'), index, rejected), {
        pack,
        state,
      }))
        out.push(a);
      return out;
    };
    const json = await run('json');
    const decoded = await run('decoded');
    const types = new Set(json.map((a) => a.type));
    // a scenario that shows something: several alert types, raises and clears
    expect(types.size).toBeGreaterThanOrEqual(3);
    expect(json.some((a) => a.state === 'cleared')).toBe(true);
    expect(decoded).toEqual(json);
  }, 120_000);
});
