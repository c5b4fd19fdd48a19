import { readdirSync, readFileSync } from 'node:fs';
import { realInfra, uniqueName } from '@cityops/testkit';
import { startApp, type RunningApp } from '../e2e/start-app.js';

export type Mode = 'embedded' | 'distributed';

export const FUZZ_API_KEY = 'fuzz-key-0123456789abcdef';

/** The server under fuzz: the built launcher, its pid tree's memory, and whether it died. */
export interface FuzzServer {
  app: RunningApp;
  mode: Mode;
  /** exits of the launcher or any of its children that the fuzzer did not ask for */
  readonly crashes: string[];
  /** RSS in bytes of the launcher and its descendants now */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts the built launcher as the e2e tests do: `SIMULATOR=off`, one API key, `PORT=0`, the
 * default limits; distributed on the real Kafka and Redis with a fresh key prefix and group, so
 * the run's vital signs start at zero.
 */
export async function startServer(mode: Mode, extraEnv: Record<string, string> = {}): Promise<FuzzServer> {
  // the same key reads the dead letters (a data-team key too)
  const env: Record<string, string> = {
    PORT: '0',
    SIMULATOR: 'off',
    INGEST_API_KEYS: FUZZ_API_KEY,
    DATA_API_KEYS: FUZZ_API_KEY,
    ...extraEnv,
  };
  if (mode === 'embedded') Object.assign(env, { KAFKA_BROKERS: '', REDIS_URL: '' });
  else {
    const infra = realInfra();
    Object.assign(env, {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: uniqueName('fuzz'),
      AGGREGATOR_GROUP: uniqueName('fuzz-aggregator'),
    });
  }
  const app = await startApp(env, 90_000);
  const crashes: string[] = [];
  let stopping = false;
  app.child.once('exit', (code, signal) => {
    if (!stopping) crashes.push(`launcher exited (${code ?? signal}); last output:\n${app.output().slice(-2000)}`);
  });
  const pid = app.child.pid!;
  return {
    app,
    mode,
    crashes,
    rss: () => {
      // distributed: the gateway and aggregator are the launcher's children
      const tree = [pid, ...descendants(pid)];
      return tree.reduce((sum, p) => sum + rssOf(p), 0);
    },
    async stop() {
      stopping = true;
      const code = await app.stop();
      if (code !== 0 && code !== null) crashes.push(`launcher stopped with exit code ${code}`);
    },
  };
}

/** VmRSS of a process in bytes (0 once it is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids = '';
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const k of kids.split(/\s+/).filter(Boolean)) {
        out.push(Number(k));
        walk(Number(k));
      }
    }
  };
  walk(pid);
  return out;
}

/** Samples a server's RSS every `everyMs` until stopped; keeps the peak. */
export class RssSampler {
  peak = 0;
  /** the peak while each phase ran, to tell which one grew the server */
  readonly byPhase = new Map<string, number>();
  phase = 'start';
  private readonly timer: NodeJS.Timeout;

  constructor(read: () => number, everyMs = 100) {
    this.peak = read();
    this.timer = setInterval(() => {
      const now = read();
      this.peak = Math.max(this.peak, now);
      this.byPhase.set(this.phase, Math.max(this.byPhase.get(this.phase) ?? 0, now));
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
