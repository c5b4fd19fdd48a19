import type { Bus, RecordBatch, ReplaySubscription } from '@cityops/bus';
import type { CaseFilter, CaseView } from '@cityops/alert-desk';
import type { CityPack } from '@cityops/city';
import {
  CASE_STATE_NAMES,
  type CaseStateLabel,
  type CaseSummaryView,
  type CasesChannelState,
  type PlaceName,
  type Snapshot,
} from '@cityops/schema';
import { Channel, type Emitter } from './channel.js';

export const CASES_CHANNEL = 'cases';

/** What the channel reads: the desk's store (through `AlertDesk` or a `DeskReader`). */
export interface CaseSource {
  listCases(filter?: CaseFilter): Promise<CaseView[]>;
  getCase(id: string): Promise<CaseView | null>;
}

export interface CasesChannelOptions {
  /** the desk's audit copy topic: each entry names the case that changed */
  auditTopic: string;
  /** partitions of the audit topic if the channel has to create it (the desk's default: 4) */
  auditPartitions?: number;
  /** how often changed cases are re-read and published (the coalescing); default 250 ms */
  intervalMs?: number;
  /** how often every case is re-read (clocks turn overdue without an entry); default 5 s */
  fullEveryMs?: number;
  /** at most this many open cases go to screens (most urgent first); default 500 */
  maxOpen?: number;
  /** and this many of the latest closed / merged ones; default 50 */
  maxFinished?: number;
  now?: () => number;
  warn?: (message: string) => void;
}

const FINISHED: ReadonlySet<string> = new Set(['closed', 'merged']);

export interface CasesChannelStats {
  held: number;
  changesSeen: number;
  reads: number;
  currentAt: string | null;
  error?: string;
}

/**
 * The `cases` channel (issue 10 part 5): the alert desk's cases with state, version, clocks and
 * overdue for consoles and walls. It tails the desk's audit copy topic from its end (no group,
 * nothing committed): every accepted step appends one entry naming its case, so the channel
 * re-reads that case from the store and publishes at most every `intervalMs`. Every `fullEveryMs`
 * it re-reads all cases (overdue flags move with the desk's time, a missed record heals), which
 * sets `currentAt`. Nothing is kept but what the store holds, so every gateway instance agrees.
 */
export class CasesChannel {
  readonly channel: Channel<CasesChannelState>;
  private readonly opts: Required<Omit<CasesChannelOptions, 'warn'>> & Pick<CasesChannelOptions, 'warn'>;
  private readonly cases = new Map<string, CaseView>();
  private readonly dirty = new Set<string>();
  private sub: ReplaySubscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastFull = 0;
  private currentAt: string | null = null;
  private error: string | undefined;
  private busy = false;
  private readonly counts = { changesSeen: 0, reads: 0 };
  private readonly districts: Map<string, PlaceName>;
  private readonly streets: Map<string, PlaceName>;
  /** resolves the waiters of `settled()` after the next publish */
  private waiters: Array<() => void> = [];

  constructor(
    private readonly bus: Bus,
    private readonly source: CaseSource,
    pack: CityPack,
    out: Emitter,
    options: CasesChannelOptions,
  ) {
    this.channel = new Channel(CASES_CHANNEL, out);
    this.opts = {
      auditTopic: options.auditTopic,
      auditPartitions: options.auditPartitions ?? 4,
      intervalMs: options.intervalMs ?? 250,
      fullEveryMs: options.fullEveryMs ?? 5_000,
      maxOpen: options.maxOpen ?? 500,
      maxFinished: options.maxFinished ?? 50,
      now: options.now ?? Date.now,
      warn: options.warn,
    };
    const names = (xs: CityPack['districts']) =>
      new Map(xs.map((a) => [a.id, { zh: a.name, en: a.nameEn ?? a.name }] as const));
    this.districts = names(pack.districts);
    this.streets = names(pack.streets);
  }

  async start(): Promise<void> {
    this.running = true;
    const topic = this.opts.auditTopic;
    try {
      await this.bus.ensureTopics([{ topic, partitions: this.opts.auditPartitions }]);
      const from = await this.bus.endOffsets(topic);
      this.sub = await this.bus.replay({ topic, fromOffsets: from, eachBatch: (b) => this.onBatch(b) });
    } catch (err) {
      // without the tail the full reads still keep screens right, only slower
      this.error = `tailing ${topic}: ${String(err)}`;
      this.opts.warn?.(this.error);
    }
    await this.step();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.sub?.stop();
    for (const w of this.waiters.splice(0)) w();
  }

  snapshot(): Snapshot<CasesChannelState> | null {
    return this.channel.snapshot();
  }

  get stats(): CasesChannelStats {
    return {
      held: this.cases.size,
      ...this.counts,
      currentAt: this.currentAt,
      ...(this.error === undefined ? {} : { error: this.error }),
    };
  }

  /** marks a case changed (the API calls this after an accepted command, so it need not wait for the tail) */
  touch(caseId: string): void {
    this.dirty.add(caseId);
  }

  /** resolves after the next publish step (tests) */
  settled(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async onBatch(batch: RecordBatch): Promise<void> {
    for (const r of batch.records) {
      let id = r.key ?? undefined;
      if (!id) {
        try {
          id = (JSON.parse(r.value) as { caseId?: string }).caseId;
        } catch {
          continue;
        }
      }
      if (typeof id === 'string' && id) {
        this.dirty.add(id);
        this.counts.changesSeen += 1;
      }
    }
  }

  private schedule(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.step(), this.opts.intervalMs);
  }

  private async step(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const t = this.opts.now();
      if (t - this.lastFull >= this.opts.fullEveryMs) {
        this.dirty.clear();
        const all = await this.source.listCases();
        this.counts.reads += 1;
        this.cases.clear();
        for (const c of all) this.cases.set(c.id, c);
        this.lastFull = t;
        this.currentAt = new Date(t).toISOString();
      } else if (this.dirty.size > 0) {
        const ids = [...this.dirty];
        this.dirty.clear();
        const read = await Promise.all(ids.map((id) => this.source.getCase(id)));
        this.counts.reads += 1;
        ids.forEach((id, i) => {
          const c = read[i];
          if (c) this.cases.set(id, c);
          else this.cases.delete(id);
        });
      }
      this.error = undefined;
    } catch (err) {
      this.error = `reading the desk's cases: ${String(err)}`;
      this.opts.warn?.(this.error);
    } finally {
      this.busy = false;
    }
    this.publish();
    for (const w of this.waiters.splice(0)) w();
    this.schedule();
  }

  private publish(): void {
    const byState = Object.fromEntries(CASE_STATE_NAMES.map((s) => [s, 0])) as Record<CaseStateLabel, number>;
    const active: CaseView[] = [];
    const finished: CaseView[] = [];
    let overdue = 0;
    for (const c of this.cases.values()) {
      byState[c.state] += 1;
      if (FINISHED.has(c.state)) finished.push(c);
      else {
        active.push(c);
        if (c.overdue) overdue += 1;
      }
    }
    active.sort(urgency);
    finished.sort((a, b) => b.last.at.localeCompare(a.last.at));
    const shown = [...active.slice(0, this.opts.maxOpen), ...finished.slice(0, this.opts.maxFinished)];
    this.channel.publish({
      cases: Object.fromEntries(shown.map((c) => [c.id, this.view(c)])),
      byState,
      overdue,
      notShown: Math.max(0, active.length - this.opts.maxOpen),
      currentAt: this.currentAt,
      ...(this.error === undefined ? {} : { error: this.error }),
    });
  }

  private view(c: CaseView): CaseSummaryView {
    const p = c.alert.place;
    const district = this.districts.get(p.districtId);
    const street = p.streetId ? this.streets.get(p.streetId) : undefined;
    const checkedIn = Object.keys(c.checkins);
    const by = c.last.actor;
    return {
      id: c.id,
      version: c.version,
      state: c.state,
      type: c.alert.type,
      severity: c.alert.severity,
      summary: c.alert.summary,
      lon: p.lon,
      lat: p.lat,
      districtId: p.districtId,
      ...(p.streetId ? { streetId: p.streetId } : {}),
      ...(p.gridId ? { gridId: p.gridId } : {}),
      ...(district ? { district } : {}),
      ...(street ? { street } : {}),
      raisedAt: c.raisedAt,
      ...(c.dispatch
        ? {
            archiveNo: c.dispatch.archiveNo,
            level: c.dispatch.level,
            lead: c.dispatch.lead,
            assist: c.dispatch.assist,
          }
        : {}),
      ...(checkedIn.length ? { checkedIn } : {}),
      lastBy: ('name' in by && by.name) || by.userId,
      lastAction: c.last.action,
      lastAt: c.last.at,
      overdue: c.overdue,
      ...(c.nextDueAt ? { nextDueAt: c.nextDueAt } : {}),
      clocks: c.clocks.map((k) => ({
        step: k.step,
        ...(k.departmentId ? { departmentId: k.departmentId } : {}),
        dueAt: k.dueAt,
        ...(k.doneAt ? { doneAt: k.doneAt } : {}),
        ...(k.stoppedAt ? { stoppedAt: k.stoppedAt } : {}),
        overdue: k.overdue,
        escalations: k.escalations,
      })),
      escalationLevel: c.escalation.level,
      reopenCount: c.reopenCount,
    };
  }
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, major: 1, minor: 2, info: 3 };

/** the queue's order: overdue first, then the nearest deadline, then severity, then the oldest */
export function urgency(
  a: Pick<CaseView, 'overdue' | 'nextDueAt' | 'id' | 'raisedAt'> & { alert: { severity: string } },
  b: Pick<CaseView, 'overdue' | 'nextDueAt' | 'id' | 'raisedAt'> & { alert: { severity: string } },
): number {
  return (
    Number(b.overdue) - Number(a.overdue) ||
    (a.nextDueAt ?? '~').localeCompare(b.nextDueAt ?? '~') ||
    (SEVERITY_RANK[a.alert.severity] ?? 9) - (SEVERITY_RANK[b.alert.severity] ?? 9) ||
    a.raisedAt.localeCompare(b.raisedAt) ||
    a.id.localeCompare(b.id)
  );
}
