import type { Config } from '@cityops/config';
import type { Ingestor } from '@cityops/ingest';
import type { City, Logger } from '@cityops/runtime';
import { describeIncident } from './describe.js';
import { startLiveSimulator, type LiveSimulator } from './live.js';

/**
 * The live simulator as configured (SIM_SEED, SIM_RATE, SIM_DAY_MINUTES, SIM_INCIDENTS_PER_HOUR),
 * feeding the given ingest path and logging incidents as they start: the same wiring for the
 * simulator's own process and for the embedded launcher.
 */
export function simulateCity(config: Config, city: City, ingestor: Ingestor, log: Logger): LiveSimulator {
  return startLiveSimulator({
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
    onError: (err) => log.warn(`simulator publish failed: ${String(err)}`),
    onIncident: (r) => log.info(`simulated incident: ${describeIncident(r)}`),
  });
}
