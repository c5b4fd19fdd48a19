import { CityIndex, loadCityPack, type CityPack } from '@cityops/city';
import type { CityEventInput } from '@cityops/schema';
import { HOUR } from '../engine/clock.js';
import { Scenario } from '../engine/scenario.js';
import type { GroundTruthRecord } from '../engine/truth.js';
import { parseScenarioOptions, type ScenarioOptionsInput } from '../options.js';

let city: { pack: CityPack; index: CityIndex } | undefined;

/** The default pack and its index, built once per test file. */
export function defaultCity(): { pack: CityPack; index: CityIndex } {
  city ??= (() => {
    const pack = loadCityPack();
    return { pack, index: new CityIndex(pack) };
  })();
  return city;
}

export interface SimEvent {
  id: string;
  type: CityEventInput['type'];
  eventTime: string;
  location: { lon: number; lat: number; roadSegmentId?: string };
  category: { kind: string; code: string };
  payload: Record<string, unknown>;
}

export interface Run {
  events: SimEvent[];
  truth: GroundTruthRecord[];
  scenario: Scenario;
}

/**
 * A small offline scenario run in memory: the events and the ground truth. Clean feeds unless the
 * test asks for realistic ones (the older tests check what clean feeds say about themselves).
 */
export function runSmall(input: ScenarioOptionsInput): Run {
  const { pack, index } = defaultCity();
  const options = parseScenarioOptions({ feeds: 'clean', ...input });
  const startMs = Date.parse(options.start);
  const scenario = new Scenario(pack, index, options, {
    startMs,
    endMs: startMs + options.hours * HOUR,
    idPrefix: `s${options.seed}`,
  });
  const events: SimEvent[] = [];
  scenario.runUntil(scenario.endMs, (e) => events.push(e as unknown as SimEvent));
  return { events, truth: scenario.groundTruth(), scenario };
}

export const ms = (iso: string): number => Date.parse(iso);
