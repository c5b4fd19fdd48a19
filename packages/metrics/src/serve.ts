import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE, metricsText } from './registry.js';

export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  url: string;
  close(): Promise<void>;
}

/** What a process says about itself on `GET /healthz`: `ok: false` answers 503. */
export type HealthReport = () => { ok: boolean } & Record<string, unknown>;

/**
 * A tiny node:http server for processes that have no HTTP server of their own (aggregator,
 * simulator): `GET /metrics` answers the registry, `GET /healthz` the process's `health` report
 * (when given), anything else 404. `port: 0` picks a free port; the resolved `url` says which.
 * Rejects if it cannot listen (e.g. the port is taken).
 */
export async function serveMetrics(options: {
  host: string;
  port: number;
  health?: HealthReport;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz' && options.health) {
      const report = options.health();
      res.writeHead(report.ok ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify(report));
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: GET /metrics\n');
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE }).end(text),
      (err: unknown) =>
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host =
    options.host === '0.0.0.0' || options.host === '::'
      ? 'localhost'
      : options.host.includes(':')
        ? `[${options.host}]`
        : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // a scraper's keep-alive connection must not hold the process open at shutdown
        server.closeAllConnections();
      }),
  };
}

/**
 * A process's `/metrics` and `/healthz` from its settings: served when `METRICS_PORT` is set, and
 * said in the log either way. Call it first in start-up, so that a taken port stops the process
 * before anything connects.
 */
export async function serveMetricsFromSettings(
  settings: { METRICS_HOST: string; METRICS_PORT?: number | undefined },
  log: { info(message: string): void },
  health?: HealthReport,
): Promise<MetricsServer | undefined> {
  const metrics =
    settings.METRICS_PORT === undefined
      ? undefined
      : await serveMetrics({ host: settings.METRICS_HOST, port: settings.METRICS_PORT, ...(health ? { health } : {}) });
  log.info(metrics ? `serving /metrics at ${metrics.url}` : 'METRICS_PORT is not set: no /metrics');
  return metrics;
}
