export { detectOffline, type OfflineOptions } from './offline.js';
export { RuleEngine, TimerIndex, Timers, type KeyedStore, type EngineOutput } from './engine.js';
export {
  packContext,
  ruleEnv,
  distanceMeters,
  loadingZoneNear,
  type DetectorSettings,
  type PackContext,
} from './env.js';
export { alertIdOf, draftsToAlerts } from './alerts.js';
export { RULES } from './rules/index.js';
export type { AnyRule, AlertDraft, Rule, RuleEnv, RuleSettings, RuleSignal, RuleStep } from './rules/rule.js';
export { Detector, type DetectorOptions } from './detector.js';
export {
  routerStage,
  ruleStage,
  markKeys,
  BY_KEY_TOPIC,
  BY_KEY_PARTITIONS,
  type RouterOptions,
  type RuleStageOptions,
} from './stream.js';
