import { CityIndex, loadCityPack } from '@cityops/city';
import { CITY_EVENT_TYPES, type CityEventInput, type CityEventType } from '@cityops/schema';
import { parseScenarioOptions, Scenario } from '@cityops/simulator';

/** A valid event to mutate; `eventTime` is set when it is sent, so it is always fresh. */
export type Template = Record<string, unknown> & { type: CityEventType };

/**
 * The seed corpus: events from the simulator's own generators (sensors, the 12345 hotline,
 * delivery fleets, incidents) over the default city pack, up to `perType` of each envelope type
 * of the schema (`CITY_EVENT_TYPES`); the build fails if a type has no generator, so a new
 * envelope type cannot escape the fuzzer.
 */
export function buildCorpus(seed: number, perType = 150): Template[] {
  const pack = loadCityPack();
  const index = new CityIndex(pack);
  const options = parseScenarioOptions({
    seed,
    sensors: 300,
    vehicles: 60,
    ticketsPerHour: 2000,
    incidentsPerHour: 60,
  });
  const start = Date.UTC(2025, 5, 2, 1, 0, 0);
  const scenario = new Scenario(pack, index, options, { startMs: start, endMs: start + 3_600_000, idPrefix: 'fz' });
  const byType = new Map<CityEventType, Template[]>(CITY_EVENT_TYPES.map((t) => [t, []]));
  scenario.runUntil(scenario.endMs, (e: CityEventInput) => {
    const list = byType.get(e.type);
    // spread over the hour, not only its first minute
    if (list && list.length < perType && (list.length < 10 || hashOf(e.id) % 7 === 0)) list.push(clone(e));
  });
  const out: Template[] = [];
  for (const [type, list] of byType) {
    if (list.length === 0)
      throw new Error(`the simulator generated no ${type} events: the fuzz corpus needs every type`);
    out.push(...list);
  }
  return out;
}

function clone(e: CityEventInput): Template {
  return JSON.parse(JSON.stringify(e)) as Template;
}

function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}
