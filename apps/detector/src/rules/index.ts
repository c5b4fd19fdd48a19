import type { AnyRule } from './rule.js';
import { roadBlockage, roadBlockageVehicle } from './road-blockage.js';
import { feedOfflineRule, sensorLifeRule } from './feed-offline.js';
import { floodingRule } from './flooding.js';
import { hotlineSurgeRule } from './hotline-surge.js';
import { lightOutageRule } from './light-outage.js';
import { manholeTiltRule, noiseNightRule } from './thresholds.js';

/**
 * Every rule the detector runs, in order. To add a rule: one import and one line in RULES (keep
 * one rule per line so parallel edits do not collide).
 */
// prettier-ignore
export const RULES: readonly AnyRule[] = [
  roadBlockageVehicle,
  roadBlockage,
  floodingRule,
  lightOutageRule,
  hotlineSurgeRule,
  sensorLifeRule,
  feedOfflineRule,
  manholeTiltRule,
  noiseNightRule,
];

export type { AnyRule, AlertDraft, Rule, RuleEnv, RuleSettings, RuleSignal, RuleStep } from './rule.js';
export { ruleId } from './rule.js';
