import { loadConfigOrExit } from '@cityops/config';
import { createIngestor, createLogger, exitOnStartupError, loadCity, onShutdown, openPorts } from '@cityops/runtime';
import { placesOf } from './places.js';
import { startLiveSimulator } from './live.js';

const config = loadConfigOrExit();
const log = createLogger('simulator', config.LOG_LEVEL);
try {
  const city = loadCity(config);
  const ports = await openPorts(config, 'simulator');
  const ingestor = createIngestor(config, ports, city);
  const sim = startLiveSimulator({
    places: placesOf(city.pack),
    seed: config.SIM_SEED,
    rate: config.SIM_RATE,
    sink: async (events) => {
      await ingestor.ingest(events.map((value) => ({ ok: true, value })), 'simulator');
    },
    onError: (err) => log.warn(`publish failed: ${String(err)}`),
  });
  log.info(`simulating ${config.SIM_RATE} events/s at peak over ${city.pack.meta.name}`);
  onShutdown(log, async () => {
    await sim.stop();
    await ports.bus.close();
    await ports.store.close();
  });
} catch (err) {
  exitOnStartupError(log, err);
}
