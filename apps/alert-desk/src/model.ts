import type { AlertEvent, AlertSeverity, DeskActor, WhistleLevel } from '@cityops/schema';
import type { ChainHead, SystemActor } from './audit.js';

export const CASE_STATES = [
  'raised',
  'acknowledged',
  'dispatched',
  'on_site',
  'resolved',
  'closed',
  'clear_pending',
  'merged',
] as const;
export type CaseStateName = (typeof CASE_STATES)[number];

/** A case is open (its clocks run) in these states. */
export const OPEN_STATES: ReadonlySet<CaseStateName> = new Set(['raised', 'acknowledged', 'dispatched', 'on_site']);

/** The grid chain a case escalates up: grid → street → district → city center. */
export const ESCALATION_LEVELS = ['grid', 'street', 'district', 'city'] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

export type Actor = DeskActor | SystemActor;

/** One deadline of a case: ack, each department's on-site check-in (报到), the lead's resolve. */
export interface Clock {
  step: 'ack' | 'onsite' | 'resolve';
  departmentId?: string;
  /** ISO desk times */
  startedAt: string;
  dueAt: string;
  doneAt?: string;
  /** set when the step no longer applies (resolved before an assisting department came, reassigned away, merged) */
  stoppedAt?: string;
  /** true once the desk's event time passed dueAt before the step was done */
  overdue: boolean;
  /** how many automatic escalations this clock caused */
  escalations: number;
  /** when this clock next escalates the case by itself (epoch ms), if it still will */
  nextCheckAt?: number;
}

export interface CaseAlert {
  alertId: string;
  type: AlertEvent['type'];
  severity: AlertSeverity;
  place: AlertEvent['place'];
  categoryCode?: string;
  summary: AlertEvent['summary'];
  firstSignalAt: string;
  detectedAt: string;
  lastSeq: number;
  evidence: string[];
  evidenceCount: number;
  subjects: string[];
  suggested: AlertEvent['departments'];
  cleared: boolean;
}

export interface Checkin {
  at: string;
  arrivedAt: string;
  position: { lon: number; lat: number };
  by: Actor;
  onTime: boolean;
}

/** The current state of one case (a detector alert, and what the desk and departments did). */
export interface CaseRecord {
  v: 1;
  id: string;
  version: number;
  state: CaseStateName;
  /** the state a clear_pending case returns to when an officer reopens it */
  priorState?: CaseStateName;
  alert: CaseAlert;
  raisedAt: string;
  ack?: { by: Actor; at: string; note?: string };
  dispatch?: {
    archiveNo: string;
    level: WhistleLevel;
    lead: string;
    assist: string[];
    at: string;
    by: Actor;
  };
  checkins: Record<string, Checkin>;
  resolution?: { departmentId: string; notes: string; photoUrl?: string; at: string; by: Actor };
  closure?: { how: 'closed' | 'auto_clear'; feedback?: string; at: string; by: Actor };
  evaluation: { whistle?: number; handling?: number };
  escalation: { level: EscalationLevel; unitId: string };
  members: string[];
  pendingMerges: string[];
  mergedInto?: string;
  reopenCount: number;
  clocks: Clock[];
  last: { actor: Actor; action: string; at: string };
  audit: ChainHead;
}

/** Deadlines in minutes (DESIGN decision 5, issue 10 part 3); a pack department's onSiteMinutes wins for 应急. */
export interface Deadlines {
  ackMinutes: Record<AlertSeverity, number>;
  onSiteMinutes: Record<WhistleLevel, number>;
  resolveMinutes: Record<WhistleLevel, number>;
}

export const DEFAULT_DEADLINES: Deadlines = {
  ackMinutes: { critical: 5, major: 15, minor: 60, info: 240 },
  onSiteMinutes: { emergency: 30, priority: 120, routine: 24 * 60 },
  resolveMinutes: { emergency: 4 * 60, priority: 24 * 60, routine: 72 * 60 },
};

/** The records of the desk's input topic (`cityops.alert-desk.cases.v1`), all keyed by case id. */
export type DeskInput =
  | { kind: 'alert'; caseId: string; alert: AlertEvent }
  | { kind: 'command'; caseId: string; command: unknown }
  | { kind: 'tick'; at: string }
  | { kind: 'merge_into'; caseId: string; into: string; commandId: string; actor: DeskActor; at: string }
  | {
      kind: 'merge_joined';
      caseId: string;
      member: string;
      commandId: string;
      alertIds: string[];
      evidenceCount: number;
    }
  | { kind: 'merge_refused'; caseId: string; member: string; commandId: string; reason: string }
  | { kind: 'member_alert'; caseId: string; member: string; alert: AlertEvent };

/** Keyed-state layout of one input partition. */
export const StateKeys = {
  case: (id: string) => `c:${id}`,
  audit: (id: string, seq: number) => `a:${id}:${String(seq).padStart(8, '0')}`,
  decision: (commandId: string) => `d:${commandId}`,
  /** the sorted list of [epoch ms, case id] at which a case's clocks next escalate it */
  timers: 'timers',
  /** archive numbers issued per year on this partition */
  archiveCounter: (year: number) => `n:${year}`,
} as const;

/** What the read API returns for a case: its record plus its clocks in the desk's time. */
export interface CaseView extends CaseRecord {
  overdue: boolean;
  /** the earliest due time of a step not done yet, or null */
  nextDueAt: string | null;
}

export function viewOf(c: CaseRecord): CaseView {
  const open = c.clocks.filter((k) => k.doneAt === undefined && k.stoppedAt === undefined);
  const next = open.map((k) => k.dueAt).sort()[0] ?? null;
  return { ...c, overdue: open.some((k) => k.overdue), nextDueAt: next };
}
