import { serveMetrics } from '@cityops/metrics';
import { closePorts, createIngestor, loadCity, openPorts, runApp } from '@cityops/runtime';
import { simulateCity } from './wire.js';

await runApp('simulator', async ({ config, log }) => {
  // first: a taken METRICS_PORT stops start-up before anything connects
  const metrics =
    config.METRICS_PORT === undefined
      ? undefined
      : await serveMetrics({ host: config.METRICS_HOST, port: config.METRICS_PORT });
  log.info(metrics ? `serving /metrics at ${metrics.url}` : 'METRICS_PORT is not set: no /metrics');
  const city = loadCity(config);
  const ports = await openPorts(config, 'simulator');
  const sim = simulateCity(config, city, createIngestor(config, ports, city), log);
  const k = sim.knobs;
  log.info(
    `simulating ${city.pack.meta.name}: ~${config.SIM_RATE} events/s at peak (${k.sensors} sensors, ${k.vehicles} vans, ${k.ticketsPerHour} tickets/h), a day in ${config.SIM_DAY_MINUTES} min`,
  );
  return async () => {
    await sim.stop();
    await closePorts(ports);
    await metrics?.close();
  };
});
