import { AdapterHost, DEFAULT_TIME_ZONE, type CategoryMappingData } from '@cityops/adapters';
import type { Config } from '@cityops/config';
import type { Ingestor } from '@cityops/ingest';
import type { City, Logger, Ports } from '@cityops/runtime';
import type { Registry } from 'prom-client';
import { configuredAdapters } from './adapters-from-config.js';

/**
 * The adapter host of a process (the ingest app in distributed mode, the one process in embedded
 * mode) with every adapter the configuration enables (`configuredAdapters`), on the pack's time
 * zone and category mappings. Not started: `host.start()` opens subscriptions and pollers.
 */
export function createAdapterHost(o: {
  config: Config;
  ports: Ports;
  city: City;
  ingestor: Ingestor;
  log: Logger;
  registry?: Registry;
  /** options by adapter name, for adapters that take more than the environment says */
  options?: Record<string, unknown>;
}): AdapterHost {
  const { config, ports, city, ingestor, log } = o;
  const host = new AdapterHost({
    ingestor,
    bus: ports.bus,
    store: ports.store,
    // (read structurally: older packs have neither field)
    timeZone: (city.pack.meta as { timeZone?: string }).timeZone ?? DEFAULT_TIME_ZONE,
    mappings: (city.pack as { mappings?: Record<string, CategoryMappingData> }).mappings ?? {},
    ...(o.registry ? { registry: o.registry } : {}),
    log: {
      info: (m, f) => log.info(m, f as Record<string, unknown>),
      warn: (m, f) => log.warn(m, f as Record<string, unknown>),
    },
  });
  const { adapters, skipped } = configuredAdapters(config, o.options);
  for (const { adapter, options } of adapters) host.add(adapter, options);
  log.info(`adapters: ${adapters.map((a) => a.adapter.name).join(', ') || 'none'}`);
  if (skipped.length) log.warn(`adapters left out (their options need settings): ${skipped.join(', ')}`);
  return host;
}
