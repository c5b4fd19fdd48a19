import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@cityops/testkit';
import type { Fault, RunResult, SuiteEnv } from './harness.js';
import { runFault } from './harness.js';
import { PrivateKafka, PrivateRedis } from './infra.js';
import { stopAll } from './procs.js';
import { writeScenario } from './scenario.js';

export interface SuiteOptions {
  seed: number;
  hours: number;
  faults: Fault[];
  /** wall time the replay of the whole scenario takes */
  replayMs: number;
  runDeadlineMs: number;
  /** called after each run */
  onResult?: (r: RunResult) => void;
  log?: (msg: string) => void;
  /** keep the working directory (logs, broker and Redis data) after the suite; default: only on failure */
  keep?: boolean;
}

/**
 * The chaos suite: its own broker and Redis under `.infra/chaos/<time>/`, one seeded scenario,
 * then each fault as its own run, one after the other. Every process it started is stopped by
 * its pid at the end, also when a run throws.
 */
export async function runSuite(o: SuiteOptions): Promise<RunResult[]> {
  const log = o.log ?? (() => undefined);
  const workDir = join(repoRoot, '.infra', 'chaos', `suite-${Date.now().toString(36)}`);
  mkdirSync(workDir, { recursive: true });
  const results: RunResult[] = [];
  let kafka: PrivateKafka | undefined;
  let redis: PrivateRedis | undefined;
  try {
    const scenarioDir = join(repoRoot, '.infra', 'chaos', 'scenarios', `seed-${o.seed}-hours-${o.hours}`);
    log(`scenario seed ${o.seed}, ${o.hours} h -> ${scenarioDir}`);
    const manifest = writeScenario(scenarioDir, o.seed, o.hours);
    log(`starting the chaos broker and Redis under ${workDir}`);
    [kafka, redis] = await Promise.all([
      PrivateKafka.start(join(workDir, 'kafka')),
      PrivateRedis.start(join(workDir, 'redis')),
    ]);
    log(`broker ${kafka.brokers.join(',')} (pid ${kafka.pid}), redis ${redis.url} (pid ${redis.pid})`);
    const suite: SuiteEnv = {
      kafka,
      redis,
      scenarioDir,
      scenarioEvents: manifest.events,
      scenarioMs: Date.parse(manifest.end) - Date.parse(manifest.start),
      workDir,
      seed: o.seed,
      replayMs: o.replayMs,
      runDeadlineMs: o.runDeadlineMs,
    };
    for (const fault of o.faults) {
      log(`run ${fault.id}: ${fault.title}`);
      const r = await runFault(suite, fault);
      results.push(r);
      log(
        `run ${fault.id}: ${r.pass ? 'PASS' : 'FAIL'} (${r.countedTotal}/${r.expectedTotal}, ${r.seconds.toFixed(0)} s)`,
      );
      o.onResult?.(r);
    }
  } finally {
    await stopAll();
    await kafka?.stop();
    await redis?.stop();
    const failed = results.length < o.faults.length || results.some((r) => !r.pass);
    if (!o.keep && !failed) rmSync(workDir, { recursive: true, force: true });
    else log(`logs and data kept in ${workDir}`);
  }
  return results;
}
