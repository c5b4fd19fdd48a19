import { beforeAll, describe, expect, it } from 'vitest';
import { aggregatorKills, redisFlush, secondAggregator } from './faults.js';
import type { RunResult } from './harness.js';
import { runSuite } from './suite.js';

/**
 * The chaos suite's short version, in `npm test`: a scenario of ~4,000 events on the suite's own
 * broker and Redis; the aggregator killed 3 times, one FLUSHALL + aggregator restart, a second
 * aggregator joining and leaving. Each run's vital signs must equal, counter for counter, the
 * counts computed from the scenario file. Needs the built apps (`npm test` builds first).
 */
describe('chaos, short: vital signs stay exact under faults (real processes, own broker and Redis)', () => {
  const byFault = new Map<string, RunResult>();

  beforeAll(async () => {
    const results = await runSuite({
      seed: 11,
      hours: 0.05,
      faults: [aggregatorKills(3, 5_000), redisFlush, secondAggregator],
      replayMs: 12_000,
      runDeadlineMs: 60_000,
      log: (m) => process.stderr.write(`[chaos-short] ${m}\n`),
    });
    for (const r of results) byFault.set(r.fault, r);
  }, 240_000);

  const exact = (id: string) => {
    const r = byFault.get(id);
    expect(r, `run ${id} did not complete`).toBeDefined();
    expect({ missing: r!.missing, extra: r!.extra, firstDiff: r!.firstDiff, notes: r!.notes }).toMatchObject({
      missing: 0,
      extra: 0,
      firstDiff: undefined,
    });
    expect(r!.expectedTotal).toBeGreaterThan(3_000);
    expect(r!.countedTotal).toBe(r!.expectedTotal);
  };

  it('a: the aggregator killed with kill -9 three times and restarted counts every event once', () => exact('a'));
  it('f: after FLUSHALL and an aggregator restart in the same group, the counts are rebuilt from Kafka', () =>
    exact('f'));
  it('g: a second aggregator joining and leaving (SIGTERM, then kill -9) changes no count', () => exact('g'));
});
