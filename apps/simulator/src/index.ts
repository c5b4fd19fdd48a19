/**
 * @cityops/simulator: a seeded, deterministic city (sensors, the 12345 hotline, delivery fleets,
 * injected incidents with ground truth). Live mode feeds ingest at real or accelerated time;
 * offline mode writes a scenario directory; replay plays one into a running system.
 */
export {
  startLiveSimulator,
  liveKnobs,
  type LiveSimulator,
  type LiveSimulatorOptions,
  type LiveKnobs,
} from './live.js';
export {
  writeScenario,
  SCENARIO_FILES,
  type OfflineOptions,
  type OfflineResult,
  type ScenarioManifest,
} from './offline.js';
export { replayScenario, type ReplayOptions, type ReplaySummary } from './replay.js';
export {
  parseScenarioOptions,
  ScenarioOptionsSchema,
  type ScenarioOptions,
  type ScenarioOptionsInput,
} from './options.js';
export { Scenario, type ScenarioRun } from './engine/scenario.js';
export { describeIncident } from './describe.js';
export { INCIDENT_TYPES, type IncidentType, type GroundTruthRecord, type IncidentPlace } from './engine/truth.js';
export { simulateCity } from './wire.js';
