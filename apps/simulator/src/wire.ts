import type { Config } from '@cityops/config';
import { sendUntilSettled, type Ingestor } from '@cityops/ingest';
import { isCityopsError } from '@cityops/schema';
import type { City, Logger } from '@cityops/runtime';
import { describeIncident } from './describe.js';
import { startLiveSimulator, type LiveSimulator } from './live.js';

/**
 * The live simulator as configured (SIM_SEED, SIM_RATE, SIM_DAY_MINUTES, SIM_INCIDENTS_PER_HOUR),
 * feeding the given ingest path and logging incidents as they start: the same wiring for the
 * simulator's own process and for the embedded launcher. Events ingest answers "retry"
 * (E_EVT_IN_FLIGHT), and whole batches it fails with E_BUS_UNAVAILABLE or E_STORE_UNAVAILABLE, are
 * sent again with backoff until settled, for at most `settleDeadlineMs` (default 60 s); what is
 * still unsettled then is logged with its count.
 */
export function simulateCity(
  config: Config,
  city: City,
  ingestor: Ingestor,
  log: Logger,
  settleDeadlineMs = 60_000,
): LiveSimulator {
  return startLiveSimulator({
    city,
    seed: config.SIM_SEED,
    rate: config.SIM_RATE,
    dayMinutes: config.SIM_DAY_MINUTES,
    incidentsPerHour: config.SIM_INCIDENTS_PER_HOUR,
    sink: async (events) => {
      await sendUntilSettled(
        events,
        async (batch) => {
          const r = await ingestor.ingest(
            batch.map((value) => ({ ok: true, value })),
            'simulator',
          );
          return { ...r, retry: r.retry.map((e) => e.index) };
        },
        {
          deadlineMs: settleDeadlineMs,
          retryable: (err) => isCityopsError(err, 'E_BUS_UNAVAILABLE') || isCityopsError(err, 'E_STORE_UNAVAILABLE'),
        },
      );
    },
    onError: (err) => log.warn(`simulator publish failed: ${String(err)}`),
    onIncident: (r) => log.info(`simulated incident: ${describeIncident(r)}`),
  });
}
