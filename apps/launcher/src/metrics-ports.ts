import type { Config } from '@cityops/config';

/** The apps that have no HTTP server of their own and so serve /metrics on a port of their own. */
export const METRICS_APPS = ['@cityops/aggregator', '@cityops/simulator', '@cityops/detector'] as const;

/**
 * The METRICS_PORT each distributed child gets, so that processes on one machine never collide:
 * PORT+1 for the aggregator, PORT+2 for the simulator, PORT+3 for the detector. With PORT=0 (or past 65535) each takes
 * any free port (0), and the child logs the URL it got. The gateway serves /metrics on PORT.
 */
export function metricsPorts(config: Pick<Config, 'PORT'>): Record<(typeof METRICS_APPS)[number], number> {
  const at = (offset: number) => (config.PORT === 0 || config.PORT + offset > 65535 ? 0 : config.PORT + offset);
  return { '@cityops/aggregator': at(1), '@cityops/simulator': at(2), '@cityops/detector': at(3) };
}

/** The child's environment: this process's, with METRICS_PORT set for the apps that serve their own. */
export function childEnv(app: string, ports: Record<string, number>): NodeJS.ProcessEnv {
  const port = ports[app];
  return port === undefined ? process.env : { ...process.env, METRICS_PORT: String(port) };
}

/** One log line saying where each app serves /metrics. */
export function metricsUrls(
  config: Pick<Config, 'HOST' | 'PORT' | 'METRICS_HOST'>,
  apps: readonly string[],
  ports: Record<string, number>,
): string {
  const where = (host: string, port: number) =>
    port === 0 ? `${host}:<a free port, logged by the app>` : `http://${host}:${port}/metrics`;
  const each = apps.map((app) => {
    const name = app.replace('@cityops/', '');
    const port = ports[app];
    return `${name} ${port === undefined ? where(config.HOST, config.PORT) : where(config.METRICS_HOST, port)}`;
  });
  return `/metrics: ${each.join(', ')}`;
}
