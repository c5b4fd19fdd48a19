import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO_FILES, parseScenarioOptions, replayScenario, writeScenario } from '@cityops/simulator';
import { replayClock } from './clock.js';
import { compareVitals, expectedVitals, replayStamp, type Buckets } from './scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-scenario-'));
let start = 0;
let events: Array<{ id: string; eventTime: string }> = [];

beforeAll(async () => {
  const { manifest } = await writeScenario({ options: parseScenarioOptions({ seed: 5, hours: 0.01 }), outDir: dir });
  start = Date.parse(manifest.start);
  events = readFileSync(join(dir, SCENARIO_FILES.events), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; eventTime: string });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Replays the scenario into a stub that accepts everything; returns each posted event's stamp by id. */
async function stampsOf(speed: number, anchor: number, skipMs?: number): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  const fetch: typeof globalThis.fetch = (_url, init) => {
    const lines = String(init?.body).split('\n').filter(Boolean);
    for (const l of lines) {
      const e = JSON.parse(l) as { id: string; eventTime: string };
      stamps.set(e.id, e.eventTime);
    }
    return Promise.resolve(new Response(JSON.stringify({ accepted: lines.length, duplicates: 0 }), { status: 202 }));
  };
  await replayScenario({
    dir,
    url: 'http://127.0.0.1:1',
    apiKey: 'k'.repeat(16),
    speed,
    fetch,
    now: replayClock(anchor, skipMs),
    progressOut: { write: () => true },
  });
  return stamps;
}

describe('replayStamp and replayClock: the stamps the replay puts on a scenario follow from the file', () => {
  it('stamps every event at anchor + (t - start) / speed with the chaos clock', async () => {
    const anchor = Date.now() - 1_000;
    const stamps = await stampsOf(24, anchor);
    expect(stamps.size).toBe(events.length);
    for (const e of events) {
      expect(stamps.get(e.id)).toBe(new Date(replayStamp(Date.parse(e.eventTime), start, anchor, 24)).toISOString());
    }
  });

  // Timing-sensitive: during the rush the clock runs 20x, so a replay stalled ~5 ms by a loaded
  // machine (the full npm test on 2 cores) can stamp one 100 ms step late. The producer checks
  // every stamp at run time and exits 3 on a difference; here a stalled attempt is tried again.
  it('stamps the same when a re-run rushes through the first part of the schedule', { retry: 2 }, async () => {
    const anchor = Date.now() - 5_000;
    const stamps = await stampsOf(24, anchor, 1_000);
    for (const e of events) {
      expect(stamps.get(e.id)).toBe(new Date(replayStamp(Date.parse(e.eventTime), start, anchor, 24)).toISOString());
    }
  });

  it('counts every event of the file once in the expected buckets', async () => {
    const expected = await expectedVitals(dir, Date.now(), 24);
    expect(expected.total).toBe(events.length);
    expect(expected.excluded).toEqual({});
    let sum = 0;
    for (const counters of expected.buckets.values()) sum += counters.get('total') ?? 0;
    expect(sum).toBe(events.length);
  });
});

describe('compareVitals', () => {
  const expected: Buckets = new Map([
    [
      10_000,
      new Map([
        ['total', 3],
        ['d:a', 3],
      ]),
    ],
    [
      20_000,
      new Map([
        ['total', 2],
        ['d:b', 2],
      ]),
    ],
  ]);

  it('finds nothing to report when every counter matches, ignoring buckets before the run', () => {
    const actual = new Map<number, Record<string, number>>([
      [0, { total: 9 }],
      [10_000, { total: 3, 'd:a': 3 }],
      [20_000, { total: 2, 'd:b': 2 }],
    ]);
    expect(compareVitals(expected, actual, 10_000)).toEqual({
      expectedTotal: 5,
      countedTotal: 5,
      missing: 0,
      extra: 0,
      differing: 0,
    });
  });

  it('reports the first differing counter, what is missing and what is extra', () => {
    const actual = new Map<number, Record<string, number>>([
      [10_000, { total: 1, 'd:a': 1 }],
      [20_000, { total: 2, 'd:b': 2 }],
      [30_000, { total: 4, 'd:c': 4 }],
    ]);
    expect(compareVitals(expected, actual, 10_000)).toEqual({
      expectedTotal: 5,
      countedTotal: 7,
      missing: 2,
      extra: 4,
      differing: 4,
      firstDiff: { bucket: 10_000, field: 'd:a', expected: 3, actual: 1 },
    });
  });
});
