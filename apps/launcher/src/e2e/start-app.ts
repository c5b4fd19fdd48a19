import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openIdentity, randomPassword } from '@cityops/identity';
import { repoRoot } from '@cityops/testkit';

export interface RunningApp {
  /** the gateway's base URL (the ready line's, without the launcher's ?token=) */
  url: string;
  /** a screen token made by the harness before start (for sockets: `auth: { token }`) */
  screenToken: string;
  /** a session of an admin user made by the harness (Bearer for every read door) */
  adminToken: string;
  /** `{ authorization: 'Bearer <adminToken>' }` */
  auth: Record<string, string>;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
}

/**
 * Users for a test run, where the app will look for them: Redis under REDIS_KEY_PREFIX in
 * distributed mode, else a fresh USERS_FILE in a temporary directory (set in `env`). Returns a
 * screen token and an admin session.
 */
export async function prepareUsers(
  env: Record<string, string | undefined>,
): Promise<{ screenToken: string; adminToken: string }> {
  const distributed = Boolean(env.REDIS_URL && env.KAFKA_BROKERS);
  if (!distributed && !env.USERS_FILE)
    env.USERS_FILE = join(mkdtempSync(join(tmpdir(), 'cityops-e2e-users-')), 'users.json');
  const identity = openIdentity(
    distributed ? { REDIS_URL: env.REDIS_URL, REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX } : env,
    {
      kdf: { log2N: 10, r: 8, p: 1 },
    },
  );
  try {
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    await identity.addUser({ username: `e2e-wall-${tag}`, roles: ['screen'] });
    const { token: screenToken } = await identity.issueScreenToken(`e2e-wall-${tag}`);
    const password = randomPassword();
    await identity.addUser({ username: `e2e-admin-${tag}`, roles: ['admin'], password });
    const login = await identity.login(`e2e-admin-${tag}`, password, 'e2e-harness');
    if (!login.ok) throw new Error(`harness login failed: ${login.code}`);
    return { screenToken, adminToken: login.token };
  } finally {
    await identity.close();
  }
}

/**
 * Starts the built launcher (`apps/launcher/dist/main.js`) as a real process with `env` added
 * to this one's, and resolves once it prints `cityops ready: <url>`. Users are made first
 * (`prepareUsers`): the app is reached with `screenToken` / `adminToken`.
 */
export async function startApp(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningApp> {
  const entry = join(repoRoot, 'apps', 'launcher', 'dist', 'main.js');
  const merged: Record<string, string | undefined> = {
    // the tests' own sources (`e2e-…`, `marker-…`) registered as a data team would
    KNOWN_SOURCES: 'hotline-12345,sim.sensors,sim.logistics,e2e*,marker*',
    ...process.env,
    ...env,
  };
  const { screenToken, adminToken } = await prepareUsers(merged);
  const child = spawn(process.execPath, [entry], {
    env: merged,
    // an IPC channel: when this test process dies (a timeout, a killed worker) the channel closes and
    // the app stops itself (runtime onShutdown), instead of living on as an orphan that loads the machine
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // the channel must not keep the test process alive on its own
  child.channel?.unref();
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
        const url = m[1]!.split('?')[0]!;
        resolve({ url, screenToken, adminToken, auth: { authorization: `Bearer ${adminToken}` }, child, output, stop });
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
