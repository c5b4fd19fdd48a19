import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Config } from '@cityops/config';
import type { Logger } from '@cityops/runtime';

const require = createRequire(import.meta.url);

/** Each app's built entry point, found through its workspace package. */
function entryOf(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'main.js');
}

/**
 * Distributed mode: each app is its own process against Kafka and Redis, started here for
 * one-machine use (in production each runs from its own start script or container).
 * If any app exits on its own, the others are stopped and this process exits non-zero:
 * a half-running command center must not look healthy.
 */
export async function runDistributed(config: Config, log: Logger): Promise<void> {
  const apps = ['@cityops/aggregator', '@cityops/gateway', ...(config.SIMULATOR ? ['@cityops/simulator'] : [])];
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children.values()) child.kill('SIGTERM');
    const timer = setTimeout(() => process.exit(code), 10_000);
    timer.unref();
    const waitAll = [...children.values()].map(
      (c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))),
    );
    void Promise.all(waitAll).then(() => process.exit(code));
  };

  for (const app of apps) {
    const child = spawn(process.execPath, [entryOf(app)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      env: process.env,
    });
    children.set(app, child);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        // the gateway's ready line is the launcher's own: print it as is
        if (line.startsWith('cityops ready: ')) console.log(line);
        else process.stdout.write(`[${app.replace('@cityops/', '')}] ${line}\n`);
      }
    });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      log.error(`${app} exited (${signal ?? `code ${code}`}); stopping the other apps`);
      stopAll(1);
    });
  }
  log.info(
    `distributed mode: ${apps.join(', ')} against Kafka ${config.KAFKA_BROKERS!.join(',')} and ${config.REDIS_URL}`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log.info(`${signal}: stopping the apps`);
      stopAll(0);
    });
  }
}
