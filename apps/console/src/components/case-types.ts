import type { CaseClockView, CaseStateLabel } from '@cityops/schema';

/** The parts of the desk's CaseView (GET /api/v1/alerts/:id) the case page shows. */
export interface Actor {
  userId: string;
  name?: string;
  role: string;
  departmentId?: string;
}
export interface FullCase {
  id: string;
  version: number;
  state: CaseStateLabel;
  alert: {
    alertId: string;
    type: string;
    severity: string;
    place: { lon: number; lat: number; districtId: string; streetId?: string; gridId?: string; roadSegmentId?: string };
    categoryCode?: string;
    summary: { zh: string; en: string };
    firstSignalAt: string;
    detectedAt: string;
    evidence: string[];
    evidenceCount: number;
    subjects: string[];
    suggested: { lead?: string; assist: string[] };
    cleared: boolean;
  };
  raisedAt: string;
  ack?: { by: Actor; at: string; note?: string };
  dispatch?: {
    archiveNo: string;
    level: 'routine' | 'priority' | 'emergency';
    lead: string;
    assist: string[];
    at: string;
    by: Actor;
  };
  checkins: Record<string, { at: string; arrivedAt: string; by: Actor; onTime: boolean }>;
  resolution?: { departmentId: string; notes: string; photoUrl?: string; at: string; by: Actor };
  closure?: { how: string; feedback?: string; at: string; by: Actor };
  evaluation: { whistle?: number; handling?: number };
  escalation: { level: string; unitId: string };
  members: string[];
  reopenCount: number;
  clocks: CaseClockView[];
  last: { actor: Actor; action: string; at: string };
  overdue: boolean;
  nextDueAt: string | null;
}
export interface AuditEntry {
  seq: number;
  caseId: string;
  action: string;
  actor: Actor;
  at: string;
  claimedAt?: string;
  from: string;
  beforeVersion: number;
  afterVersion: number;
  details: Record<string, unknown>;
  hash: string;
}
