import { loadConfig } from '@cityops/config';
import type { Ingestor } from '@cityops/ingest';
import { closePorts, createIngestor, loadCity, openPorts, type Ports } from '@cityops/runtime';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import type { Deliver } from './replay.js';

/**
 * `replay --bus`: delivers straight onto the running system's bus, through the same ingest path
 * the gateway uses (validation, location, dedupe, dead letters), without HTTP. Needs the
 * system's KAFKA_BROKERS and REDIS_URL in the environment: an embedded system's bus lives inside
 * its own process and cannot be reached from here.
 */
export async function openBusDelivery(
  env: NodeJS.ProcessEnv,
): Promise<{ deliver: Deliver; close: () => Promise<void> }> {
  const config = loadConfig(env);
  if (config.mode !== 'distributed') {
    throw new CityopsError(
      ErrorCodes.CFG_INVALID,
      '--bus: set KAFKA_BROKERS and REDIS_URL to the running system (an embedded system is reached over HTTP only)',
    );
  }
  const ports: Ports = await openPorts(config, 'replay');
  const ingestor = createIngestor(config, ports, loadCity(config));
  return { deliver: deliverThrough(ingestor), close: () => closePorts(ports) };
}

/**
 * Batches straight into an ingest path. Its answer carries each line's index, so the replay sends
 * again exactly the events answered E_EVT_IN_FLIGHT; a store or bus that is down throws
 * E_STORE_UNAVAILABLE or E_BUS_UNAVAILABLE, and the replay sends the whole batch again.
 */
export function deliverThrough(ingestor: Ingestor): Deliver {
  return async (lines) => {
    const r = await ingestor.ingest(
      lines.map((line) => ({ ok: true, value: JSON.parse(line) as unknown })),
      'replay',
    );
    return { accepted: r.accepted, duplicates: r.duplicates, errors: [...r.rejected, ...r.retry] };
  };
}
