import { partitionForKey, type Bus } from '@cityops/bus';
import type { Store } from '@cityops/store';
import type { AuditEntry, ChainHead } from './audit.js';
import type { DeskDecision } from './fold.js';
import { StateKeys, viewOf, type CaseRecord, type CaseStateName, type CaseView } from './model.js';

export interface CaseFilter {
  state?: CaseStateName | CaseStateName[];
  type?: string;
  district?: string;
}

/**
 * Reads the desk's state from the store (the truth: what the applied batches left), so any
 * process with the store and the bus can answer, not only the one running the fold. Reads a
 * whole partition's keyed state per call: fine for thousands of cases, not for millions.
 */
export class DeskReader {
  private partitionCount: number | undefined;

  constructor(private readonly opts: { bus: Bus; store: Store; group: string; casesTopic: string }) {}

  async partitions(): Promise<number> {
    if (this.partitionCount === undefined) {
      const n = Object.keys(await this.opts.bus.endOffsets(this.opts.casesTopic)).length;
      if (n === 0) return 0;
      this.partitionCount = n;
    }
    return this.partitionCount;
  }

  private async stateOf(caseId: string): Promise<Map<string, string>> {
    const n = await this.partitions();
    if (n === 0) return new Map();
    return this.opts.store.readState(this.opts.group, this.opts.casesTopic, partitionForKey(caseId, n));
  }

  private async allStates(): Promise<Array<Map<string, string>>> {
    const n = await this.partitions();
    return Promise.all(
      Array.from({ length: n }, (_, p) => this.opts.store.readState(this.opts.group, this.opts.casesTopic, p)),
    );
  }

  async getCase(id: string): Promise<CaseView | null> {
    const raw = (await this.stateOf(id)).get(StateKeys.case(id));
    return raw === undefined ? null : viewOf(JSON.parse(raw) as CaseRecord);
  }

  /** open cases first, overdue ones first among them, then by the next due time */
  async listCases(filter: CaseFilter = {}): Promise<CaseView[]> {
    const states = filter.state === undefined ? undefined : new Set([filter.state].flat());
    const out: CaseView[] = [];
    for (const state of await this.allStates()) {
      for (const [k, v] of state) {
        if (!k.startsWith('c:')) continue;
        const c = JSON.parse(v) as CaseRecord;
        if (states && !states.has(c.state)) continue;
        if (filter.type && c.alert.type !== filter.type) continue;
        if (filter.district && c.alert.place.districtId !== filter.district) continue;
        out.push(viewOf(c));
      }
    }
    return out.sort(
      (a, b) =>
        Number(b.overdue) - Number(a.overdue) ||
        (a.nextDueAt ?? '~').localeCompare(b.nextDueAt ?? '~') ||
        a.id.localeCompare(b.id),
    );
  }

  /** the case's audit trail, oldest first */
  async audit(id: string): Promise<AuditEntry[]> {
    const state = await this.stateOf(id);
    const prefix = `a:${id}:`;
    return [...state]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, v]) => JSON.parse(v) as AuditEntry)
      .filter((e) => e.caseId === id);
  }

  /** the stored decision of a command (without the case), or null */
  async decision(caseId: string, commandId: string): Promise<DeskDecision | null> {
    const raw = (await this.stateOf(caseId)).get(StateKeys.decision(commandId));
    return raw === undefined ? null : (JSON.parse(raw) as DeskDecision);
  }

  /** every case's trail (in seq order) and the head each case records, for `audit:verify` */
  async wholeTrail(): Promise<{ entries: AuditEntry[]; heads: Map<string, ChainHead> }> {
    const entries: Array<[string, AuditEntry]> = [];
    const heads = new Map<string, ChainHead>();
    for (const state of await this.allStates()) {
      for (const [k, v] of state) {
        if (k.startsWith('a:')) entries.push([k, JSON.parse(v) as AuditEntry]);
        else if (k.startsWith('c:')) {
          const c = JSON.parse(v) as CaseRecord;
          heads.set(c.id, c.audit);
        }
      }
    }
    entries.sort(([a], [b]) => a.localeCompare(b));
    return { entries: entries.map(([, e]) => e), heads };
  }
}
