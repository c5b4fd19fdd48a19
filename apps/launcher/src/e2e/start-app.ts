import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@cityops/testkit';

export interface RunningApp {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
}

/**
 * Starts the built launcher (`apps/launcher/dist/main.js`) as a real process with `env` added
 * to this one's, and resolves once it prints `cityops ready: <url>`.
 */
export function startApp(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningApp> {
  const entry = join(repoRoot, 'apps', 'launcher', 'dist', 'main.js');
  const child = spawn(process.execPath, [entry], {
    // the tests' own sources (`e2e-…`, `marker-…`) registered as a data team would
    env: { KNOWN_SOURCES: 'hotline-12345,sim.sensors,sim.logistics,e2e*,marker*', ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const output = () => out;
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', (code) => {
        clearTimeout(kill);
        resolve(code);
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`no ready line within ${timeoutMs} ms; output:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /cityops ready: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready; output:\n${out}`));
    });
  });
}
