import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, for the launcher and the artifacts. */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const LAUNCHER = join(REPO, 'apps/launcher/dist/main.js');
const READY = /cityops ready: (https?:\/\/[^\s"'\\]+)/;

export interface Launched {
  /** the wall URL with its screen token, as printed (http://127.0.0.1:PORT/?token=...) */
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * The real app for a browser suite: `node apps/launcher/dist/main.js` in embedded mode
 * (simulator on) on a free port, with a users file of its own. Needs `npm run build` first.
 */
export function startLauncher(extraEnv: Record<string, string> = {}): Promise<Launched> {
  if (!existsSync(LAUNCHER)) {
    throw new Error(`${LAUNCHER} is missing: run \`npm run build\` at the repository root first`);
  }
  const child: ChildProcess = spawn(process.execPath, [LAUNCHER], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: '0',
      USERS_FILE: join(mkdtempSync(join(tmpdir(), 'cityops-walls-')), 'users.json'),
      ...extraEnv,
    },
    // IPC: the launcher stops itself when this test process dies, never an orphan
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.channel?.unref();
  let output = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`launcher not ready in 60 s:\n${output}`));
    }, 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const m = READY.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ url: m[1], output: () => output, stop });
      }
    });
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`launcher exited with ${code} before it was ready:\n${output}`));
    });
  });
}
