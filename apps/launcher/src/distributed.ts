import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Config } from '@cityops/config';
import type { Logger } from '@cityops/runtime';
import { childEnv, metricsPorts, metricsUrls } from './metrics-ports.js';

const require = createRequire(import.meta.url);

/** A port that is free now on `host` (the OS picks it). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

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
export async function runDistributed(config: Config, log: Logger): Promise<() => Promise<void>> {
  const apps = [
    '@cityops/aggregator',
    '@cityops/detector',
    '@cityops/alert-desk',
    '@cityops/gateway',
    '@cityops/ingest-app',
    ...(config.SIMULATOR ? ['@cityops/simulator'] : []),
  ];
  const children = new Map<string, ChildProcess>();
  const metrics = metricsPorts(config);
  // the ingest app (issue 8) listens on INGEST_PORT; with PORT=0 on a free port chosen here, so the
  // gateway can be told where to read the adapters' health (INGEST_URL)
  const ingestPort = config.PORT === 0 || config.INGEST_PORT === 0 ? await freePort(config.HOST) : config.INGEST_PORT;
  const ingestHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const extraEnv: Record<string, Record<string, string>> = {
    '@cityops/ingest-app': { INGEST_PORT: String(ingestPort) },
    '@cityops/gateway': { INGEST_URL: config.INGEST_URL ?? `http://${ingestHost}:${ingestPort}` },
  };
  let stopping = false;

  /** SIGTERM to every child; resolves once all have exited (the caller's shutdown timer bounds it) */
  const stopChildren = async (): Promise<void> => {
    stopping = true;
    const exited = [...children.values()].map(
      (c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))),
    );
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.all(exited);
  };

  for (const app of apps) {
    const child = spawn(process.execPath, [entryOf(app)], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      // the alert desk serves /metrics and /healthz on a free port of its own, which it logs
      env: {
        ...(app === '@cityops/alert-desk' ? { ...process.env, METRICS_PORT: '0' } : childEnv(app, metrics)),
        ...extraEnv[app],
      },
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
      void stopChildren().finally(() => process.exit(1));
    });
  }
  log.info(
    `distributed mode: ${apps.join(', ')} against Kafka ${config.KAFKA_BROKERS!.join(',')} and ${config.REDIS_URL}`,
  );
  log.info(metricsUrls(config, apps, { ...metrics, '@cityops/alert-desk': 0 }));
  return stopChildren;
}
