import { CityIndex, categoryIndex, loadCityPack, type CityPack } from '@cityops/city';
import type { Config } from '@cityops/config';
import { Ingestor } from '@cityops/ingest';
import type { Ports } from './ports.js';

export interface City {
  pack: CityPack;
  index: CityIndex;
}

/** Loads the city pack named by CITY_PACK (a directory), or the default pack, and indexes it. */
export function loadCity(config: Config): City {
  const pack = loadCityPack(config.CITY_PACK);
  return { pack, index: new CityIndex(pack) };
}

/** The ingest path for this app, with the settings from the config. */
export function createIngestor(config: Config, ports: Ports, city: City): Ingestor {
  const categories = categoryIndex(city.pack.taxonomy);
  return new Ingestor({
    bus: ports.bus,
    store: ports.store,
    locator: city.index,
    categoryExists: (code) => categories.has(code),
    dedupeTtlMs: config.DEDUPE_TTL_MS,
    maxClockSkewMs: config.MAX_CLOCK_SKEW_MS,
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
  });
}
