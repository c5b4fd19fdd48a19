import { serveMetrics } from '@cityops/metrics';
import { closePorts, openPorts, runApp } from '@cityops/runtime';
import { Aggregator } from './aggregator.js';

await runApp('aggregator', async ({ config, log }) => {
  // first: a taken METRICS_PORT stops start-up before anything connects
  const metrics =
    config.METRICS_PORT === undefined
      ? undefined
      : await serveMetrics({ host: config.METRICS_HOST, port: config.METRICS_PORT });
  log.info(metrics ? `serving /metrics at ${metrics.url}` : 'METRICS_PORT is not set: no /metrics');
  const ports = await openPorts(config, 'aggregator');
  const aggregator = new Aggregator({
    bus: ports.bus,
    store: ports.store,
    group: config.AGGREGATOR_GROUP,
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    log: (m) => log.warn(m),
  });
  await aggregator.start();
  log.info(`consuming as group ${config.AGGREGATOR_GROUP} (${ports.bus.kind} bus, ${ports.store.kind} store)`);
  return async () => {
    await aggregator.stop();
    await closePorts(ports);
    await metrics?.close();
  };
});
