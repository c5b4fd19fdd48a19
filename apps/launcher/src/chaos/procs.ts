import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface StartOptions {
  /** a short name for logs and the table's notes, e.g. `aggregator#2` */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** the process's whole output (stdout and stderr) is appended here */
  logFile: string;
  /** resolves start() once the output matches; without it start() resolves once spawned */
  ready?: RegExp;
  readyTimeoutMs?: number;
}

/** Every process the chaos suite started and has not seen exit: stopped by pid at the end, also on failure. */
const live = new Set<Proc>();

/**
 * One child process the suite owns, known by its pid. Output goes to a log file and a short
 * in-memory tail (for error messages); `exited` settles when it ends, whoever ended it.
 */
export class Proc {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string>;
  /** true once the suite itself killed or stopped it: any other exit is unexpected */
  expectedExit = false;
  private readonly log: WriteStream;
  private tailText = '';

  private constructor(
    readonly name: string,
    o: StartOptions,
  ) {
    this.log = createWriteStream(o.logFile, { flags: 'a' });
    this.child = spawn(o.command, o.args, {
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      this.tailText = (this.tailText + chunk.toString()).slice(-20_000);
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        this.log.end();
        resolve(code ?? signal ?? 'unknown');
      });
      this.child.once('error', (err) => {
        live.delete(this);
        this.tailText += `\nspawn error: ${String(err)}`;
        resolve('spawn-error');
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && live.has(this);
  }

  /** the last part of its output */
  tail(chars = 2_000): string {
    return this.tailText.slice(-chars);
  }

  /** everything it printed so far that is still in the tail */
  output(): string {
    return this.tailText;
  }

  static async start(o: StartOptions): Promise<{ proc: Proc; match: RegExpExecArray | null }> {
    const proc = new Proc(o.name, o);
    if (!o.ready) return { proc, match: null };
    const ready = o.ready;
    const timeoutMs = o.readyTimeoutMs ?? 60_000;
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = ready.exec(proc.tailText);
        if (m) {
          done();
          resolve(m);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${o.name} was not ready within ${timeoutMs} ms:\n${proc.tail()}`));
      }, timeoutMs);
      const onExit = (code: number | string) => {
        done();
        reject(new Error(`${o.name} exited (${code}) before it was ready:\n${proc.tail()}`));
      };
      const done = () => {
        clearTimeout(timer);
        proc.child.stdout!.off('data', check);
        proc.child.stderr!.off('data', check);
      };
      proc.child.stdout!.on('data', check);
      proc.child.stderr!.on('data', check);
      void proc.exited.then(onExit);
      check();
    }).catch(async (err: unknown) => {
      await proc.kill9();
      throw err;
    });
    return { proc, match };
  }

  /** kill -9 by pid, and wait until it is gone */
  async kill9(): Promise<void> {
    this.expectedExit = true;
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM by pid; SIGKILL if it is still there after `graceMs` */
  async stop(graceMs = 15_000): Promise<number | string> {
    this.expectedExit = true;
    if (!this.alive) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Stops every process the suite still has running, each by its pid. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill9()));
}

/** For an abrupt end of the suite's own process: kill what is left, synchronously, by pid. */
export function killAllNow(): void {
  for (const p of live) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
