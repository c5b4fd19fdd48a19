import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenario } from './offline.js';
import { parseScenarioOptions } from './options.js';
import { replayScenario } from './replay.js';
import { defaultCity } from './test/fixture.js';

let dir = '';
let scenarioStart = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cityops-replay-'));
  const options = parseScenarioOptions({
    seed: 5,
    hours: 0.05,
    sensors: 300,
    vehicles: 50,
    ticketsPerHour: 600,
    incidentsPerHour: 0,
  });
  scenarioStart = Date.parse(options.start);
  await writeScenario({ options, outDir: dir, ...defaultCity() });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fake gateway: answers by a script, records what it got. */
function gateway(script: (n: number) => number) {
  const bodies: string[] = [];
  let n = 0;
  const fetchFn = (async (_url: string, init: RequestInit) => {
    const status = script(n++);
    if (status !== 202) return new Response(JSON.stringify({ message: 'no' }), { status });
    const lines = String(init.body).split('\n');
    bodies.push(String(init.body));
    const headers = init.headers as Record<string, string>;
    expect(headers['x-api-key']).toBe('k'.repeat(16));
    expect(headers['content-type']).toBe('application/x-ndjson');
    return new Response(
      JSON.stringify({
        accepted: lines.length - 1,
        duplicates: 0,
        rejected: 1,
        errors: [{ index: 0, code: 'E_EVT_TOO_LATE', reason: 'x' }],
      }),
      { status: 202 },
    );
  }) as unknown as typeof fetch;
  return { fetchFn, bodies };
}

const quiet = { write: () => true, isTTY: false };

describe('replay', () => {
  it('re-bases event times to now at the chosen speed, keeps the order, and sums the answers', async () => {
    let clock = 1_800_000_000_000;
    const g = gateway(() => 202);
    const summary = await replayScenario({
      dir,
      url: 'http://gateway.test',
      apiKey: 'k'.repeat(16),
      speed: 60,
      batchSize: 100,
      fetch: g.fetchFn,
      now: () => clock,
      wait: async (ms) => {
        clock += ms;
      },
      progressOut: quiet,
    });
    const events = g.bodies.flatMap((b) => b.split('\n')).map((l) => JSON.parse(l) as { eventTime: string });
    expect(summary.events).toBe(events.length);
    expect(summary.accepted).toBe(events.length - summary.batches);
    expect(summary.rejected).toEqual({ E_EVT_TOO_LATE: summary.batches });
    const times = events.map((e) => Date.parse(e.eventTime));
    expect(times[0]!).toBeGreaterThanOrEqual(1_800_000_000_000);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    // three simulated minutes at 60x: three wall seconds
    expect(times.at(-1)! - times[0]!).toBeLessThanOrEqual(3_000 + 250);
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(2_000);
    expect(scenarioStart).toBeLessThan(times[0]!);
  });

  it('retries 503 with backoff and stops with a clear message on 401', async () => {
    const waits: number[] = [];
    const flaky = gateway((n) => (n < 2 ? 503 : 202));
    const s = await replayScenario({
      dir,
      url: 'http://g.test',
      apiKey: 'k'.repeat(16),
      speed: 'max',
      fetch: flaky.fetchFn,
      wait: async (ms) => waits.push(ms),
      progressOut: quiet,
    });
    expect(s.retries).toBe(2);
    expect(waits.slice(0, 2)).toEqual([250, 500]);
    expect(s.events).toBeGreaterThan(0);

    const refused = gateway(() => 401);
    await expect(
      replayScenario({
        dir,
        url: 'http://g.test',
        apiKey: 'k'.repeat(16),
        speed: 'max',
        fetch: refused.fetchFn,
        progressOut: quiet,
      }),
    ).rejects.toThrow(/refused the API key \(401\)/);
    const bad = gateway(() => 400);
    await expect(
      replayScenario({
        dir,
        url: 'http://g.test',
        apiKey: 'k'.repeat(16),
        speed: 'max',
        fetch: bad.fetchFn,
        progressOut: quiet,
      }),
    ).rejects.toThrow(/answered 400/);
  });
});
