import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDS, runFuzz, type RunResult } from './runner.js';
import { formatTable } from './table.js';

/**
 * The fuzz suite's short version, in `npm test` (after the build): seed 7 against the built
 * launcher, embedded (mutation fuzz, structure bombs, size pressure, slow HTTP clients, a slow
 * socket.io reader), then briefly distributed on the real Kafka and Redis. About 90 s.
 */
describe('fuzz, short: every input answered with a code, counts add up, the server stays up and bounded', () => {
  const runs = new Map<string, RunResult>();

  beforeAll(async () => {
    const log = (m: string) => process.stderr.write(`[fuzz-short] ${m}\n`);
    runs.set(
      'embedded',
      await runFuzz({
        seed: 7,
        mode: 'embedded',
        inputs: 3_000,
        mutationMs: 12_000,
        structureBombs: true,
        bombItems: 20_000,
        sizePressure: 100,
        slowClients: { headerClients: 100, bodyClients: 20, durationMs: 15_000 },
        slowReader: { resyncs: 5_000, pauseMs: 5_000 },
        bounds: DEFAULT_BOUNDS,
        log,
      }),
    );
    runs.set(
      'distributed',
      await runFuzz({
        seed: 7,
        mode: 'distributed',
        inputs: 1_000,
        mutationMs: 8_000,
        structureBombs: false,
        sizePressure: 0,
        slowClients: null,
        slowReader: null,
        bounds: DEFAULT_BOUNDS,
        log,
      }),
    );
  }, 240_000);

  afterAll(() => {
    process.stderr.write(`${formatTable([...runs.values()])}\n`);
  });

  const run = (mode: string) => {
    const r = runs.get(mode);
    expect(r, `the ${mode} run did not complete`).toBeDefined();
    return r!;
  };
  const failures = (r: RunResult, kinds: string[]) => r.ledger.failures.filter((f) => kinds.includes(f.kind));

  for (const mode of ['embedded', 'distributed']) {
    it(`${mode}: every input is answered 2xx/4xx with a code; no 5xx, no request unanswered, no crash`, () => {
      const r = run(mode);
      expect(r.ledger.inputs).toBeGreaterThan(mode === 'embedded' ? 2_000 : 500);
      expect(r.ledger.accepted).toBeGreaterThan(0);
      expect(r.ledger.rejected).toBeGreaterThan(0);
      expect(
        failures(r, [
          '5xx',
          'no answer',
          '4xx without a code',
          'unknown code',
          'reason too long',
          'status',
          'answer shape',
          'auth',
          'body limit',
          'not JSON',
        ]),
      ).toEqual([]);
      expect({ fiveXX: r.ledger.fiveXX, noAnswer: r.ledger.noAnswer, crashes: r.crashes }).toEqual({
        fiveXX: 0,
        noAnswer: 0,
        crashes: [],
      });
    });

    it(`${mode}: counts add up per request, in the ingest's counts, on the dead-letter tail and downstream`, () => {
      expect(failures(run(mode), ['counts', 'dead letters', 'vitals', 'topic'])).toEqual([]);
    });
  }

  it(`embedded: peak RSS stays within idle + ${DEFAULT_BOUNDS.rssGrowthMb} MB and /healthz within ${DEFAULT_BOUNDS.healthMs} ms; slow clients and a non-reading screen are cut off`, () => {
    const r = run('embedded');
    expect(r.slow?.opened).toBe(120);
    expect(r.reader?.resyncsSent).toBe(5_000);
    expect(failures(r, ['memory', 'stall', 'slow clients', 'slow reader'])).toEqual([]);
    expect(r.peakRss - r.idleRss).toBeLessThanOrEqual(DEFAULT_BOUNDS.rssGrowthMb * 1024 * 1024);
  });
});
