import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '@cityops/testkit';
import { Proc } from './procs.js';

/** What every app process of one run shares. */
export interface AppEnv {
  kafkaBrokers: string[];
  redisUrl: string;
  keyPrefix: string;
  group: string;
  apiKey: string;
  logDir: string;
}

export type AppName = 'gateway' | 'aggregator';

/**
 * One app of a run (the gateway, an aggregator instance), kept running like a supervisor would:
 * the suite kills and restarts it on purpose; if it exits on its own, that is noted and it is
 * started again after a second, so one crash does not end the run (the counts still have to be
 * exact).
 */
export class Service {
  proc: Proc | undefined;
  starts = 0;
  readonly unexpectedExits: string[] = [];
  private retired = false;
  private closed = false;
  private starting: Promise<void> | undefined;

  constructor(
    readonly label: string,
    private readonly app: AppName,
    private readonly env: AppEnv,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  /** starts it (again) and resolves once it is ready; refused once the run is over */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.label}: the run is over`));
    this.retired = false;
    this.starting ??= this.launch().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async launch(): Promise<void> {
    // a start-up that fails is retried like a supervisor would, and noted: it is a finding too
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launchOnce();
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        this.unexpectedExits.push(`${this.label} failed to start: ${lastLine(msg)}`);
        if (attempt >= 5 || this.retired) throw err;
        await sleep(1_000);
      }
    }
  }

  private async launchOnce(): Promise<void> {
    this.starts++;
    const { proc } = await Proc.start({
      name: `${this.label}#${this.starts}`,
      command: process.execPath,
      args: [join(repoRoot, 'apps', this.app, 'dist', 'main.js')],
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        KAFKA_BROKERS: this.env.kafkaBrokers.join(','),
        REDIS_URL: this.env.redisUrl,
        REDIS_KEY_PREFIX: this.env.keyPrefix,
        AGGREGATOR_GROUP: this.env.group,
        INGEST_API_KEYS: this.env.apiKey,
        SIMULATOR: 'off',
        // the scenario's sources, counted by name (the expected counts use `fieldsOf` without a registry)
        KNOWN_SOURCES: 'sim.sensors,hotline-12345,sim.logistics',
        ...this.extraEnv,
      },
      logFile: join(this.env.logDir, `${this.label}.log`),
      ready: this.app === 'gateway' ? /cityops ready: (\S+)/ : /consuming as group/,
      readyTimeoutMs: 90_000,
    });
    this.proc = proc;
    void proc.exited.then(async (code) => {
      if (proc.expectedExit || this.retired || this.proc !== proc) return;
      this.unexpectedExits.push(`${proc.name} exited on its own (${code}): ${lastLine(proc.tail())}`);
      await sleep(1_000);
      if (!this.retired && this.proc === proc)
        await this.start().catch((err: unknown) => this.unexpectedExits.push(String(err)));
    });
  }

  get alive(): boolean {
    return this.proc?.alive ?? false;
  }

  /** kill -9 by pid; it stays down until start() */
  async kill9(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.proc?.kill9();
  }

  /** kill -9, then start again right away */
  async kill9AndRestart(): Promise<void> {
    await this.kill9();
    await this.start();
  }

  /** the end of the run: stopped, and never started again (a fault still running past its deadline cannot) */
  async close(): Promise<void> {
    this.closed = true;
    await this.retire();
  }

  /** leaves for good: SIGTERM (a clean leave of the group), or kill -9 with `abrupt` */
  async retire(abrupt = false): Promise<void> {
    this.retired = true;
    await this.starting?.catch(() => undefined);
    if (abrupt) await this.proc?.kill9();
    else await this.proc?.stop(15_000);
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines.at(-1) ?? '').slice(0, 300);
}
