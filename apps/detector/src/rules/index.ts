import type { AnyRule } from './rule.js';
import { roadBlockage, roadBlockageVehicle } from './road-blockage.js';

/**
 * Every rule the detector runs, in order. To add a rule: one import and one line in RULES (keep
 * one rule per line so parallel edits do not collide).
 */
// prettier-ignore
export const RULES: readonly AnyRule[] = [
  roadBlockageVehicle,
  roadBlockage,
];

export type { AnyRule, AlertDraft, Rule, RuleEnv, RuleSettings, RuleSignal, RuleStep } from './rule.js';
export { ruleId } from './rule.js';
