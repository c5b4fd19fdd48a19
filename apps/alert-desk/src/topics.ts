import { Topics } from '@cityops/schema';

/** The topics the desk reads and writes; tests give each run its own names. */
export interface DeskTopics {
  /** detector alert events (keyed by alertId) */
  alerts: string;
  /** officers' commands (keyed by caseId) */
  actions: string;
  /** internal: alerts, commands, ticks and merge messages repartitioned by case id: the fold's one input */
  cases: string;
  /** internal: one decision per command, keyed by commandId (the API answers from it) */
  decisions: string;
  /** the audit entries as they are appended, keyed by case id (a second copy of the trail) */
  audit: string;
  dlq: string;
}

export const DEFAULT_DESK_TOPICS: DeskTopics = {
  alerts: Topics.alerts,
  actions: Topics.alertActions,
  cases: 'cityops.alert-desk.cases.v1',
  decisions: 'cityops.alert-desk.decisions.v1',
  audit: 'cityops.alert-desk.audit.v1',
  dlq: Topics.dlq,
};

/** Partitions of the internal topics (the cases topic sets how far the desk scales out). */
export const DESK_PARTITIONS = { cases: 4, decisions: 4, audit: 4 } as const;

/** Topic names with a suffix, for tests that must not collide with other runs. */
export function deskTopics(suffix: string): DeskTopics {
  return {
    alerts: `${Topics.alerts}.${suffix}`,
    actions: `${Topics.alertActions}.${suffix}`,
    cases: `cityops.alert-desk.cases.v1.${suffix}`,
    decisions: `cityops.alert-desk.decisions.v1.${suffix}`,
    audit: `cityops.alert-desk.audit.v1.${suffix}`,
    dlq: `${Topics.dlq}.${suffix}`,
  };
}
