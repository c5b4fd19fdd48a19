import { loadConfigOrExit } from '@cityops/config';
import {
  closePorts,
  createIngestor,
  createLogger,
  exitOnStartupError,
  loadCity,
  onShutdown,
  openPorts,
} from '@cityops/runtime';
import { describeIncident } from './describe.js';
import { startLiveSimulator } from './live.js';

const config = loadConfigOrExit();
const log = createLogger('simulator', config.LOG_LEVEL);
try {
  const city = loadCity(config);
  const ports = await openPorts(config, 'simulator');
  const ingestor = createIngestor(config, ports, city);
  const sim = startLiveSimulator({
    city,
    seed: config.SIM_SEED,
    rate: config.SIM_RATE,
    dayMinutes: config.SIM_DAY_MINUTES,
    incidentsPerHour: config.SIM_INCIDENTS_PER_HOUR,
    sink: async (events) => {
      await ingestor.ingest(
        events.map((value) => ({ ok: true, value })),
        'simulator',
      );
    },
    onError: (err) => log.warn(`publish failed: ${String(err)}`),
    onIncident: (r) => log.info(`incident: ${describeIncident(r)}`),
  });
  const k = sim.knobs;
  log.info(
    `simulating ${city.pack.meta.name}: ~${config.SIM_RATE} events/s at peak (${k.sensors} sensors, ${k.vehicles} vans, ${k.ticketsPerHour} tickets/h), a day in ${config.SIM_DAY_MINUTES} min`,
  );
  onShutdown(log, async () => {
    await sim.stop();
    await closePorts(ports);
  });
} catch (err) {
  exitOnStartupError(log, err);
}
