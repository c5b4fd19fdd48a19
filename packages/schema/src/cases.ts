import type { AlertSeverity, AlertType } from './alerts.js';
import type { PlaceName } from './screens.js';

/**
 * The `cases` socket.io channel (issue 10 part 5): the alert desk's cases as consoles and walls
 * show them, beside the `alerts` channel (the detector's raw alerts). Types only: the gateway
 * builds it from the desk's store, the console and the wall read it. Like the other channels, a
 * field that may go back to "none" is optional, never null (a JSON merge patch deletes on null).
 */
export const CASE_STATE_NAMES = [
  'raised',
  'acknowledged',
  'dispatched',
  'on_site',
  'resolved',
  'closed',
  'clear_pending',
  'merged',
] as const;
export type CaseStateLabel = (typeof CASE_STATE_NAMES)[number];

/** One deadline of a case, as a screen draws its clock. */
export interface CaseClockView {
  step: 'ack' | 'onsite' | 'resolve';
  departmentId?: string;
  dueAt: string;
  doneAt?: string;
  stoppedAt?: string;
  overdue: boolean;
  escalations: number;
}

/** One case on the channel: enough for the queue and the wall, not the evidence or the trail. */
export interface CaseSummaryView {
  id: string;
  version: number;
  state: CaseStateLabel;
  type: AlertType;
  severity: AlertSeverity;
  summary: PlaceName;
  lon: number;
  lat: number;
  districtId: string;
  streetId?: string;
  gridId?: string;
  district?: PlaceName;
  street?: PlaceName;
  raisedAt: string;
  /** 哨源档案 archive number, once dispatched */
  archiveNo?: string;
  level?: 'routine' | 'priority' | 'emergency';
  lead?: string;
  assist?: string[];
  /** the departments that checked in (报到) */
  checkedIn?: string[];
  /** who changed the case last, with what, when (desk time) */
  lastBy: string;
  lastAction: string;
  lastAt: string;
  overdue: boolean;
  nextDueAt?: string;
  clocks: CaseClockView[];
  escalationLevel: 'grid' | 'street' | 'district' | 'city';
  reopenCount: number;
}

export interface CasesChannelState {
  /** by case id: the open cases (all, up to the cap), then the latest finished ones */
  cases: Record<string, CaseSummaryView>;
  /** every case the desk holds, by state (including those not sent) */
  byState: Record<CaseStateLabel, number>;
  /** open cases with a step past its deadline */
  overdue: number;
  /** open cases held but not sent (the cap); shown as "N more", never hidden */
  notShown: number;
  /** server time (ISO) of the last full read of the desk's store; null before the first */
  currentAt: string | null;
  /** why the last read failed; absent when it worked */
  error?: string;
}
