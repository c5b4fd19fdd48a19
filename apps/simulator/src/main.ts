import { serveMetricsFromSettings } from '@cityops/metrics';
import { closePorts, createIngestor, loadCity, openPorts, runApp } from '@cityops/runtime';
import { simulateCity } from './wire.js';

await runApp('simulator', async ({ config, log }) => {
  const metrics = await serveMetricsFromSettings(config, log);
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
