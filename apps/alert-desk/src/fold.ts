import {
  ErrorCodes,
  deadLetter,
  parseAlertAction,
  parseAlertEvent,
  type AlertAction,
  type AlertActionDecision,
  type AlertEvent,
  type DeskActor,
  type ErrorCode,
} from '@cityops/schema';
import type { FoldInput, FoldOutput, OutgoingRecord } from '@cityops/stream';
import { GENESIS_HASH, SYSTEM_ACTOR, sealEntry, type AuditEntry } from './audit.js';
import {
  ESCALATION_LEVELS,
  OPEN_STATES,
  StateKeys,
  viewOf,
  type Actor,
  type CaseRecord,
  type CaseStateName,
  type CaseView,
  type Clock,
  type Deadlines,
  type DeskInput,
  type EscalationLevel,
} from './model.js';
import type { DeskTopics } from './topics.js';

/** A command's own clock may run at most this far ahead of the desk's event time. */
export const MAX_COMMAND_AHEAD_MS = 60_000;
const MINUTE = 60_000;

/** The decision record on the decisions topic: the schema's decision plus the case after it. */
export interface DeskDecision extends AlertActionDecision {
  case?: CaseView;
}

export interface DeskFoldOptions {
  topics: DeskTopics;
  deadlines: Deadlines;
  /** departments of the pack: ids a dispatch may name, and their 应急 on-site minutes */
  departments?: ReadonlyMap<string, { onSiteMinutes?: number }>;
  /** archive numbers are `${prefix}-${year}-${partition}-${counter}` (default SH) */
  archivePrefix?: string;
  /** the archive year is taken in this time zone offset (default +08:00) */
  tzOffsetMinutes?: number;
}

type Refusal = { ok: false; code: ErrorCode; reason: string };
type Outcome = { ok: true } | Refusal;
const ok: Outcome = { ok: true };
const no = (code: ErrorCode, reason: string): Refusal => ({ ok: false, code, reason });

/**
 * The alert desk's fold (a pure function of the partition's records and keyed state): alert
 * events, commands, ticks and merge messages in; case records, audit entries, decisions and timers
 * out. Event time is the partition's watermark: the greatest tick or alert time seen. Deadlines
 * fire when the watermark passes them, so a replay makes exactly the same escalations.
 */
export function deskFold(options: DeskFoldOptions): (input: FoldInput) => FoldOutput {
  return (input) => new Batch(options, input).run();
}

class Batch {
  private wm: number | null;
  private readonly sets = new Map<string, string>();
  private readonly cases = new Map<string, CaseRecord | null>();
  private readonly dirty = new Set<string>();
  private timers: Array<[number, string]> | undefined;
  private readonly outgoing: OutgoingRecord[] = [];
  private readonly dropped: Record<string, number> = {};

  constructor(
    private readonly o: DeskFoldOptions,
    private readonly input: FoldInput,
  ) {
    this.wm = input.watermark;
  }

  run(): FoldOutput {
    for (const r of this.input.records) {
      this.record(r.value);
      // cases changed by this record are written (and their timers filed) before the next record
      for (const id of this.dirty) this.save(id);
      this.dirty.clear();
    }
    if (this.timers) this.sets.set(StateKeys.timers, JSON.stringify(this.timers));
    return {
      watermark: this.wm,
      set: [...this.sets],
      outgoing: this.outgoing,
      dropped: this.dropped,
    };
  }

  // ---------------------------------------------------------------- records

  private record(raw: string): void {
    let msg: DeskInput;
    try {
      msg = JSON.parse(raw) as DeskInput;
    } catch {
      return this.dead(ErrorCodes.EVT_NOT_JSON, 'not JSON', raw);
    }
    if (!msg || typeof msg !== 'object') return this.dead(ErrorCodes.EVT_SCHEMA, 'not an object', raw);
    switch (msg.kind) {
      case 'tick': {
        const t = Date.parse(msg.at);
        if (!Number.isFinite(t)) return this.dead(ErrorCodes.EVT_SCHEMA, 'tick without a time', raw);
        return this.advance(t);
      }
      case 'alert': {
        const p = parseAlertEvent(msg.alert);
        if (!p.ok) return this.dead(ErrorCodes.EVT_SCHEMA, p.reason, raw);
        this.advance(Date.parse(p.alert.detectedAt));
        return this.alert(p.alert.alertId, p.alert);
      }
      case 'command': {
        const p = parseAlertAction(msg.command);
        if (!p.ok) return this.dead(ErrorCodes.DESK_INVALID_COMMAND, p.reason, raw);
        return this.command(p.action);
      }
      case 'merge_into':
        return this.mergeInto(msg);
      case 'merge_joined':
      case 'merge_refused':
        return this.mergeAnswer(msg);
      case 'member_alert': {
        const p = parseAlertEvent(msg.alert);
        if (!p.ok) return this.dead(ErrorCodes.EVT_SCHEMA, p.reason, raw);
        return this.memberAlert(msg.caseId, p.alert);
      }
      default:
        return this.dead(ErrorCodes.EVT_SCHEMA, 'unknown record kind', raw);
    }
  }

  private dead(code: ErrorCode, reason: string, raw: string): void {
    this.dropped[code] = (this.dropped[code] ?? 0) + 1;
    // the receivedAt of a dead letter is the desk's event time, so a replay writes the same record
    const at = new Date(this.wm ?? 0);
    this.outgoing.push({
      topic: this.o.topics.dlq,
      key: 'alert-desk',
      value: JSON.stringify(deadLetter(code, reason, 'alert-desk', raw, at)),
    });
  }

  // ---------------------------------------------------------------- time and deadlines

  private advance(t: number): void {
    if (!Number.isFinite(t) || (this.wm !== null && t <= this.wm)) return;
    this.wm = t;
    const timers = this.loadTimers();
    while (timers.length && timers[0]![0] <= t) {
      const [, id] = timers.shift()!;
      const c = this.load(id);
      if (c) this.fireClocks(c, t);
    }
  }

  /** escalates the case for every clock step that fell due up to `now`, oldest first */
  private fireClocks(c: CaseRecord, now: number): void {
    if (!OPEN_STATES.has(c.state)) return;
    for (;;) {
      let clock: Clock | undefined;
      for (const k of c.clocks) {
        if (k.nextCheckAt === undefined || k.nextCheckAt > now || !isRunning(k)) continue;
        if (!clock || k.nextCheckAt < clock.nextCheckAt!) clock = k;
      }
      if (!clock) break;
      const at = clock.nextCheckAt!;
      const from = c.escalation.level;
      const to = nextLevel(from);
      const first = !clock.overdue;
      clock.overdue = true;
      clock.escalations++;
      if (to) c.escalation = { level: to, unitId: unitOf(c, to) };
      const period = Math.max(MINUTE, Date.parse(clock.dueAt) - Date.parse(clock.startedAt));
      clock.nextCheckAt = to && nextLevel(to) ? at + period : undefined;
      if (to || first) {
        this.transition(c, to ? 'escalate' : 'overdue', SYSTEM_ACTOR, iso(at), 'alert-desk', {
          auto: true,
          step: clock.step,
          ...(clock.departmentId ? { departmentId: clock.departmentId } : {}),
          dueAt: clock.dueAt,
          fromLevel: from,
          ...(to ? { toLevel: to, unitId: c.escalation.unitId } : {}),
        });
      }
    }
  }

  private deskTime(claimed: string): string {
    const at = Date.parse(claimed);
    if (this.wm === null) return iso(at);
    return iso(Math.min(Math.max(at, this.wm), this.wm + MAX_COMMAND_AHEAD_MS));
  }

  // ---------------------------------------------------------------- alert events

  private alert(caseId: string, a: AlertEvent): void {
    const c = this.load(caseId);
    if (!c) {
      if (a.state === 'cleared') return; // a clear for an incident the desk never saw: nothing to do
      return this.raise(caseId, a);
    }
    if (a.seq <= c.alert.lastSeq) return; // delivered twice
    if (c.state === 'merged' && c.mergedInto) {
      this.updateAlert(c, a);
      this.outgoing.push(
        this.internal(c.mergedInto, { kind: 'member_alert', caseId: c.mergedInto, member: c.id, alert: a }),
      );
      return;
    }
    const before = c.alert.severity;
    this.updateAlert(c, a);
    if (a.severity !== before && a.state !== 'cleared') {
      const ack = c.clocks.find((k) => k.step === 'ack' && isRunning(k));
      if (ack) {
        const due = Date.parse(ack.startedAt) + this.o.deadlines.ackMinutes[a.severity] * MINUTE;
        if (due < Date.parse(ack.dueAt)) {
          ack.dueAt = iso(due);
          if (!ack.overdue) ack.nextCheckAt = due;
        }
      }
      this.transition(c, 'severity', SYSTEM_ACTOR, a.detectedAt, 'detector', {
        from: before,
        to: a.severity,
        alertSeq: a.seq,
      });
      this.fireClocks(c, this.wm ?? Date.parse(a.detectedAt));
    }
    if (a.state === 'cleared' && OPEN_STATES.has(c.state)) {
      c.priorState = c.state;
      c.state = 'clear_pending';
      this.transition(c, 'auto_clear', SYSTEM_ACTOR, a.detectedAt, 'detector', { alertSeq: a.seq });
    }
  }

  private raise(caseId: string, a: AlertEvent): void {
    const at = a.detectedAt;
    const ackDue = Date.parse(at) + this.o.deadlines.ackMinutes[a.severity] * MINUTE;
    const c: CaseRecord = {
      v: 1,
      id: caseId,
      version: 0,
      state: 'raised',
      alert: {
        alertId: a.alertId,
        type: a.type,
        severity: a.severity,
        place: a.place,
        ...(a.categoryCode ? { categoryCode: a.categoryCode } : {}),
        summary: a.summary,
        firstSignalAt: a.firstSignalAt,
        detectedAt: a.detectedAt,
        lastSeq: a.seq,
        evidence: a.evidence,
        evidenceCount: a.evidenceCount,
        subjects: a.subjects,
        suggested: a.departments,
        cleared: false,
      },
      raisedAt: at,
      checkins: {},
      evaluation: {},
      escalation: { level: 'grid', unitId: a.place.gridId ?? a.place.streetId ?? a.place.districtId },
      members: [],
      pendingMerges: [],
      reopenCount: 0,
      clocks: [{ step: 'ack', startedAt: at, dueAt: iso(ackDue), overdue: false, escalations: 0, nextCheckAt: ackDue }],
      last: { actor: SYSTEM_ACTOR, action: 'raised', at },
      audit: { seq: 0, hash: GENESIS_HASH },
    };
    this.cases.set(caseId, c);
    this.transition(c, 'raised', SYSTEM_ACTOR, at, 'detector', {
      alertId: a.alertId,
      type: a.type,
      severity: a.severity,
      districtId: a.place.districtId,
      alertSeq: a.seq,
    });
    if (this.wm !== null) this.fireClocks(c, this.wm);
  }

  private updateAlert(c: CaseRecord, a: AlertEvent): void {
    c.alert.lastSeq = a.seq;
    c.alert.severity = a.state === 'cleared' ? c.alert.severity : a.severity;
    c.alert.summary = a.summary;
    c.alert.evidence = a.evidence;
    c.alert.evidenceCount = a.evidenceCount;
    c.alert.subjects = a.subjects;
    if (a.state === 'cleared') c.alert.cleared = true;
    this.dirty.add(c.id);
  }

  private memberAlert(caseId: string, a: AlertEvent): void {
    const c = this.load(caseId);
    if (!c) return;
    c.alert.evidence = [...c.alert.evidence, ...a.evidence.filter((e) => !c.alert.evidence.includes(e))].slice(-50);
    this.dirty.add(c.id);
  }

  // ---------------------------------------------------------------- commands

  private command(cmd: AlertAction): void {
    const prior = this.get(StateKeys.decision(cmd.commandId));
    if (prior !== undefined) {
      const d = JSON.parse(prior) as DeskDecision;
      const c = this.load(cmd.caseId);
      return this.decide(
        { ...d, duplicate: true, ...(c && d.outcome === 'accepted' ? { case: viewOf(c) } : {}) },
        false,
      );
    }
    const t = this.deskTime(cmd.at);
    const c = this.load(cmd.caseId);
    if (!c) return this.refuse(cmd, null, t, no(ErrorCodes.DESK_UNKNOWN_CASE, `no case ${cmd.caseId}`));
    const role = roleAllows(cmd);
    if (!role.ok) return this.refuse(cmd, c, t, role);
    if (cmd.expectedVersion !== c.version) {
      return this.refuse(
        cmd,
        c,
        t,
        no(
          ErrorCodes.DESK_VERSION_CONFLICT,
          `expected version ${cmd.expectedVersion}, the case is at ${c.version} (last: ${c.last.action} by ${actorName(c.last.actor)})`,
        ),
      );
    }
    // work on a copy: a refused command leaves the case exactly as it was
    const work = structuredClone(c);
    const outcome = this.apply(work, cmd, t);
    if (!outcome.ok) return this.refuse(cmd, c, t, outcome);
    this.cases.set(work.id, work);
    this.dirty.add(work.id);
    this.decide(
      {
        ...this.decisionBase(cmd, work, t),
        outcome: 'accepted',
        case: viewOf(work),
      },
      true,
    );
  }

  private refuse(cmd: AlertAction, c: CaseRecord | null, t: string, why: Refusal): void {
    this.decide(
      {
        ...this.decisionBase(cmd, c, t),
        outcome: why.code === ErrorCodes.DESK_VERSION_CONFLICT ? 'conflict' : 'rejected',
        code: why.code,
        reason: why.reason,
      },
      true,
    );
  }

  private decisionBase(cmd: AlertAction, c: CaseRecord | null, t: string): DeskDecision {
    return {
      v: 1,
      commandId: cmd.commandId,
      caseId: cmd.caseId,
      action: cmd.action,
      outcome: 'accepted',
      version: c?.version ?? 0,
      ...(c
        ? {
            state: c.state,
            lastActor: c.last.actor.role === 'system' ? undefined : (c.last.actor as DeskActor),
            lastAction: c.last.action,
            lastAt: c.last.at,
          }
        : {}),
      decidedAt: t,
    };
  }

  private decide(d: DeskDecision, store: boolean): void {
    if (d.lastActor === undefined) delete d.lastActor;
    if (store) {
      const { case: _case, ...kept } = d;
      this.sets.set(StateKeys.decision(d.commandId), JSON.stringify(kept));
    }
    this.outgoing.push({ topic: this.o.topics.decisions, key: d.commandId, value: JSON.stringify(d) });
  }

  /** applies an allowed, version-checked command to `c` (a copy); refuses without touching the real case */
  private apply(c: CaseRecord, cmd: AlertAction, t: string): Outcome {
    const a = cmd.actor;
    const done = (action: string, details: Record<string, unknown>) =>
      this.transition(c, action, a, t, cmd.from, details, cmd);
    const open = OPEN_STATES.has(c.state);
    if (c.state === 'merged') return no(ErrorCodes.DESK_NOT_ALLOWED, `case ${c.id} was merged into ${c.mergedInto}`);
    switch (cmd.action) {
      case 'ack': {
        if (c.state !== 'raised') return notFrom(c.state, 'ack');
        c.state = 'acknowledged';
        c.ack = { by: a, at: t, ...(cmd.note ? { note: cmd.note } : {}) };
        const onTime = this.finish(c, 'ack', undefined, t);
        done('ack', { note: cmd.note, onTime });
        return ok;
      }
      case 'dispatch': {
        if (c.state !== 'acknowledged') return notFrom(c.state, 'dispatch');
        const depts = this.checkDepartments(cmd.lead, cmd.assist);
        if (!depts.ok) return depts;
        const year = yearOf(Date.parse(t), this.o.tzOffsetMinutes ?? 480);
        const counterKey = StateKeys.archiveCounter(year);
        const n = Number(this.get(counterKey) ?? '0') + 1;
        this.sets.set(counterKey, String(n));
        const archiveNo = `${this.o.archivePrefix ?? 'SH'}-${year}-${this.input.partition}-${String(n).padStart(6, '0')}`;
        const assist = unique(cmd.assist.filter((d) => d !== cmd.lead));
        c.state = 'dispatched';
        c.dispatch = { archiveNo, level: cmd.level, lead: cmd.lead, assist, at: t, by: a };
        c.checkins = {};
        this.startDispatchClocks(c, t);
        done('dispatch', { archiveNo, level: cmd.level, lead: cmd.lead, assist, note: cmd.note });
        return ok;
      }
      case 'checkin': {
        if (c.state !== 'dispatched' && c.state !== 'on_site') return notFrom(c.state, 'checkin');
        const d = c.dispatch!;
        if (cmd.departmentId !== d.lead && !d.assist.includes(cmd.departmentId)) {
          return no(ErrorCodes.DESK_FORBIDDEN_DEPARTMENT, `${cmd.departmentId} was not sent to case ${c.id}`);
        }
        const own = forDepartment(a, cmd.departmentId);
        if (!own.ok) return own;
        if (c.checkins[cmd.departmentId])
          return no(ErrorCodes.DESK_NOT_ALLOWED, `${cmd.departmentId} has checked in already`);
        const arrivedAt = cmd.arrivedAt ? iso(Math.min(Date.parse(cmd.arrivedAt), Date.parse(t))) : t;
        const onTime = this.finish(c, 'onsite', cmd.departmentId, arrivedAt);
        c.checkins[cmd.departmentId] = { at: t, arrivedAt, position: cmd.position, by: a, onTime };
        if ([d.lead, ...d.assist].every((x) => c.checkins[x])) c.state = 'on_site';
        done('checkin', {
          departmentId: cmd.departmentId,
          arrivedAt,
          position: cmd.position,
          onTime,
          note: cmd.note,
          override: a.role !== 'department' || undefined,
        });
        return ok;
      }
      case 'resolve': {
        if (c.state !== 'dispatched' && c.state !== 'on_site') return notFrom(c.state, 'resolve');
        const d = c.dispatch!;
        if (cmd.departmentId !== d.lead) {
          return no(ErrorCodes.DESK_FORBIDDEN_DEPARTMENT, `only the lead department ${d.lead} resolves case ${c.id}`);
        }
        const own = forDepartment(a, cmd.departmentId);
        if (!own.ok) return own;
        if (!c.checkins[d.lead]) return no(ErrorCodes.DESK_NOT_ALLOWED, `the lead ${d.lead} has not checked in`);
        const onTime = this.finish(c, 'resolve', d.lead, t);
        for (const k of c.clocks) if (isRunning(k)) stop(k, t);
        c.state = 'resolved';
        c.resolution = {
          departmentId: d.lead,
          notes: cmd.notes,
          ...(cmd.photoUrl ? { photoUrl: cmd.photoUrl } : {}),
          at: t,
          by: a,
        };
        if (cmd.whistleRating !== undefined) c.evaluation.whistle = cmd.whistleRating;
        done('resolve', {
          departmentId: d.lead,
          notes: cmd.notes,
          photoUrl: cmd.photoUrl,
          whistleRating: cmd.whistleRating,
          onTime,
          override: a.role !== 'department' || undefined,
        });
        return ok;
      }
      case 'close': {
        if (c.state !== 'resolved') return notFrom(c.state, 'close');
        if (c.escalation.level !== 'grid' && a.role !== 'supervisor' && a.role !== 'admin') {
          return no(
            ErrorCodes.DESK_FORBIDDEN_ROLE,
            `case ${c.id} is escalated to ${c.escalation.level}: a supervisor closes it`,
          );
        }
        c.state = 'closed';
        c.closure = { how: 'closed', feedback: cmd.feedback, at: t, by: a };
        c.evaluation.handling = cmd.handlingRating;
        if (cmd.whistleRating !== undefined) c.evaluation.whistle = cmd.whistleRating;
        done('close', { feedback: cmd.feedback, handlingRating: cmd.handlingRating, whistleRating: cmd.whistleRating });
        return ok;
      }
      case 'comment': {
        if (a.role === 'department') {
          const d = c.dispatch;
          if (!d || !a.departmentId || (d.lead !== a.departmentId && !d.assist.includes(a.departmentId))) {
            return no(
              ErrorCodes.DESK_FORBIDDEN_DEPARTMENT,
              `case ${c.id} was not sent to ${a.departmentId ?? 'this user'}`,
            );
          }
        }
        done('comment', { text: cmd.text });
        return ok;
      }
      case 'escalate': {
        if (!open) return notFrom(c.state, 'escalate');
        const to = nextLevel(c.escalation.level);
        if (!to) return no(ErrorCodes.DESK_NOT_ALLOWED, `case ${c.id} is at the city center already`);
        const from = c.escalation.level;
        c.escalation = { level: to, unitId: unitOf(c, to) };
        done('escalate', {
          auto: false,
          reason: cmd.reason,
          fromLevel: from,
          toLevel: to,
          unitId: c.escalation.unitId,
        });
        return ok;
      }
      case 'reassign': {
        if (c.state !== 'dispatched' && c.state !== 'on_site') return notFrom(c.state, 'reassign');
        const depts = this.checkDepartments(cmd.lead, cmd.assist);
        if (!depts.ok) return depts;
        const d = c.dispatch!;
        const before = { lead: d.lead, assist: d.assist };
        const assist = unique(cmd.assist.filter((x) => x !== cmd.lead));
        const now = new Set([cmd.lead, ...assist]);
        for (const k of c.clocks) {
          if (k.departmentId && !now.has(k.departmentId) && isRunning(k)) stop(k, t);
        }
        const resolveClock = c.clocks.find((k) => k.step === 'resolve' && isRunning(k));
        if (resolveClock) resolveClock.departmentId = cmd.lead;
        for (const dep of now) {
          if (!c.clocks.some((k) => k.step === 'onsite' && k.departmentId === dep && (isRunning(k) || k.doneAt))) {
            c.clocks.push(this.clock('onsite', t, this.onSiteMinutes(d.level, dep), dep));
          }
        }
        d.lead = cmd.lead;
        d.assist = assist;
        c.state = [d.lead, ...d.assist].every((x) => c.checkins[x]) ? 'on_site' : 'dispatched';
        done('reassign', { from: before, to: { lead: cmd.lead, assist }, reason: cmd.reason });
        return ok;
      }
      case 'merge': {
        if (!open) return notFrom(c.state, 'merge');
        const others = unique(cmd.others);
        const bad = others.find((x) => x === c.id || c.members.includes(x) || c.pendingMerges.includes(x));
        if (bad) return no(ErrorCodes.DESK_NOT_ALLOWED, `${bad} is this case or merged into it already`);
        c.pendingMerges.push(...others);
        for (const other of others) {
          this.outgoing.push(
            this.internal(other, {
              kind: 'merge_into',
              caseId: other,
              into: c.id,
              commandId: cmd.commandId,
              actor: a,
              at: t,
            }),
          );
        }
        done('merge', { others, pending: true });
        return ok;
      }
      case 'reopen': {
        if (c.state === 'clear_pending') {
          c.state = c.priorState ?? 'raised';
          delete c.priorState;
          done('reopen', { reason: cmd.reason, to: c.state });
          this.fireClocks(c, this.wm ?? Date.parse(t));
          return ok;
        }
        if (c.state !== 'resolved' && c.state !== 'closed') return notFrom(c.state, 'reopen');
        c.reopenCount++;
        delete c.resolution;
        delete c.closure;
        if (c.dispatch) {
          c.state = 'dispatched';
          c.checkins = {};
          this.startDispatchClocks(c, t);
        } else {
          c.state = 'acknowledged';
        }
        done('reopen', { reason: cmd.reason, to: c.state, reopenCount: c.reopenCount });
        return ok;
      }
      case 'confirm_clear': {
        if (c.state !== 'clear_pending') return notFrom(c.state, 'confirm_clear');
        for (const k of c.clocks) if (isRunning(k)) stop(k, t);
        c.state = 'closed';
        delete c.priorState;
        c.closure = { how: 'auto_clear', at: t, by: a };
        done('confirm_clear', { note: cmd.note });
        return ok;
      }
    }
  }

  private checkDepartments(lead: string, assist: string[]): Outcome {
    const known = this.o.departments;
    if (!known) return ok;
    const unknown = [lead, ...assist].find((d) => !known.has(d));
    return unknown ? no(ErrorCodes.DESK_FORBIDDEN_DEPARTMENT, `no department ${unknown} in the city pack`) : ok;
  }

  private onSiteMinutes(level: keyof Deadlines['onSiteMinutes'], dept: string): number {
    const own = level === 'emergency' ? this.o.departments?.get(dept)?.onSiteMinutes : undefined;
    return own ?? this.o.deadlines.onSiteMinutes[level];
  }

  private startDispatchClocks(c: CaseRecord, t: string): void {
    const d = c.dispatch!;
    for (const k of c.clocks) if (k.step !== 'ack' && isRunning(k)) stop(k, t);
    for (const dep of [d.lead, ...d.assist])
      c.clocks.push(this.clock('onsite', t, this.onSiteMinutes(d.level, dep), dep));
    c.clocks.push(this.clock('resolve', t, this.o.deadlines.resolveMinutes[d.level], d.lead));
  }

  private clock(step: Clock['step'], startedAt: string, minutes: number, departmentId?: string): Clock {
    const due = Date.parse(startedAt) + minutes * MINUTE;
    return {
      step,
      ...(departmentId ? { departmentId } : {}),
      startedAt,
      dueAt: iso(due),
      overdue: false,
      escalations: 0,
      nextCheckAt: due,
    };
  }

  /** marks a step done; true when it was on time */
  private finish(c: CaseRecord, step: Clock['step'], dept: string | undefined, at: string): boolean {
    const k = c.clocks.find((x) => x.step === step && isRunning(x) && (dept === undefined || x.departmentId === dept));
    if (!k) return true;
    k.doneAt = at;
    delete k.nextCheckAt;
    return Date.parse(at) <= Date.parse(k.dueAt);
  }

  // ---------------------------------------------------------------- merges across partitions

  private mergeInto(m: Extract<DeskInput, { kind: 'merge_into' }>): void {
    const c = this.load(m.caseId);
    const answer = (msg: DeskInput): void => {
      this.outgoing.push(this.internal(m.into, msg));
    };
    const refuse = (reason: string) =>
      answer({ kind: 'merge_refused', caseId: m.into, member: m.caseId, commandId: m.commandId, reason });
    if (!c) return refuse(`no case ${m.caseId}`);
    if (!OPEN_STATES.has(c.state) && c.state !== 'clear_pending') return refuse(`case ${m.caseId} is ${c.state}`);
    for (const k of c.clocks) if (isRunning(k)) stop(k, m.at);
    c.state = 'merged';
    c.mergedInto = m.into;
    this.transition(c, 'merged_into', m.actor, m.at, 'alert-desk', { into: m.into }, { commandId: m.commandId });
    answer({
      kind: 'merge_joined',
      caseId: m.into,
      member: c.id,
      commandId: m.commandId,
      alertIds: unique([c.alert.alertId, ...c.members]),
      evidenceCount: c.alert.evidenceCount,
    });
  }

  private mergeAnswer(m: Extract<DeskInput, { kind: 'merge_joined' | 'merge_refused' }>): void {
    const c = this.load(m.caseId);
    if (!c || !c.pendingMerges.includes(m.member)) return; // answered twice
    c.pendingMerges = c.pendingMerges.filter((x) => x !== m.member);
    const at = iso(this.wm ?? Date.parse(c.last.at));
    if (m.kind === 'merge_joined') {
      c.members = unique([...c.members, m.member, ...m.alertIds.filter((x) => x !== m.member)]);
      c.alert.evidenceCount += m.evidenceCount;
      this.transition(c, 'merge_joined', SYSTEM_ACTOR, at, 'alert-desk', { member: m.member, alertIds: m.alertIds }, m);
    } else {
      this.transition(c, 'merge_refused', SYSTEM_ACTOR, at, 'alert-desk', { member: m.member, reason: m.reason }, m);
    }
  }

  private internal(key: string, msg: DeskInput): OutgoingRecord {
    return { topic: this.o.topics.cases, key, value: JSON.stringify(msg) };
  }

  // ---------------------------------------------------------------- state

  /** appends one audit entry and bumps the version: every accepted transition goes through here */
  private transition(
    c: CaseRecord,
    action: string,
    actor: Actor,
    at: string,
    from: string,
    details: Record<string, unknown>,
    cmd?: { commandId: string; at?: string },
  ): void {
    const entry: AuditEntry = sealEntry({
      seq: c.audit.seq + 1,
      caseId: c.id,
      action,
      actor,
      at,
      ...(cmd?.at && cmd.at !== at ? { claimedAt: cmd.at } : {}),
      from,
      ...(cmd ? { commandId: cmd.commandId } : {}),
      beforeVersion: c.version,
      afterVersion: c.version + 1,
      details: JSON.parse(JSON.stringify(details)) as Record<string, unknown>,
      prevHash: c.audit.hash,
    });
    c.version++;
    c.audit = { seq: entry.seq, hash: entry.hash };
    c.last = { actor, action, at };
    const value = JSON.stringify(entry);
    this.sets.set(StateKeys.audit(c.id, entry.seq), value);
    this.outgoing.push({ topic: this.o.topics.audit, key: c.id, value });
    this.dirty.add(c.id);
  }

  private get(key: string): string | undefined {
    return this.sets.get(key) ?? this.input.state.get(key);
  }

  private load(id: string): CaseRecord | null {
    if (this.cases.has(id)) return this.cases.get(id)!;
    const raw = this.get(StateKeys.case(id));
    const c = raw === undefined ? null : (JSON.parse(raw) as CaseRecord);
    this.cases.set(id, c);
    return c;
  }

  private save(id: string): void {
    const c = this.cases.get(id);
    if (!c) return;
    this.sets.set(StateKeys.case(id), JSON.stringify(c));
    const timers = this.loadTimers().filter(([, x]) => x !== id);
    const next = OPEN_STATES.has(c.state)
      ? Math.min(...c.clocks.filter(isRunning).map((k) => k.nextCheckAt ?? Infinity))
      : Infinity;
    if (Number.isFinite(next)) {
      const i = timers.findIndex(([t, x]) => t > next || (t === next && x > id));
      timers.splice(i < 0 ? timers.length : i, 0, [next, id]);
    }
    this.timers = timers;
  }

  private loadTimers(): Array<[number, string]> {
    if (!this.timers) {
      const raw = this.get(StateKeys.timers);
      this.timers = raw ? (JSON.parse(raw) as Array<[number, string]>) : [];
    }
    return this.timers;
  }
}

// ---------------------------------------------------------------- rules

const OFFICERS = new Set(['officer', 'supervisor', 'admin']);
const SUPERVISORS = new Set(['supervisor', 'admin']);

/** what a role may do at all, before the case's state is looked at */
function roleAllows(cmd: AlertAction): Outcome {
  const r = cmd.actor.role;
  const deny = () => no(ErrorCodes.DESK_FORBIDDEN_ROLE, `role ${r} may not ${cmd.action}`);
  switch (cmd.action) {
    case 'checkin':
    case 'resolve':
      // a department acts for itself; a supervisor may override for it
      return r === 'department' || SUPERVISORS.has(r) ? ok : deny();
    case 'comment':
      return OFFICERS.has(r) || r === 'department' ? ok : deny();
    case 'reassign':
      return SUPERVISORS.has(r) ? ok : deny();
    default:
      return OFFICERS.has(r) ? ok : deny();
  }
}

function forDepartment(a: DeskActor, dept: string): Outcome {
  if (a.role !== 'department') return ok; // supervisor override, audited as such
  if (a.departmentId !== dept) {
    return no(
      ErrorCodes.DESK_FORBIDDEN_DEPARTMENT,
      `${a.userId} of ${a.departmentId ?? 'no department'} may not act for ${dept}`,
    );
  }
  return ok;
}

function notFrom(state: CaseStateName, action: string): Outcome {
  return no(ErrorCodes.DESK_NOT_ALLOWED, `${action} is not allowed from state ${state}`);
}

function isRunning(k: Clock): boolean {
  return k.doneAt === undefined && k.stoppedAt === undefined;
}

function stop(k: Clock, at: string): void {
  k.stoppedAt = at;
  delete k.nextCheckAt;
}

function nextLevel(l: EscalationLevel): EscalationLevel | undefined {
  return ESCALATION_LEVELS[ESCALATION_LEVELS.indexOf(l) + 1];
}

function unitOf(c: CaseRecord, l: EscalationLevel): string {
  const p = c.alert.place;
  if (l === 'grid') return p.gridId ?? p.streetId ?? p.districtId;
  if (l === 'street') return p.streetId ?? p.districtId;
  if (l === 'district') return p.districtId;
  return 'city-center';
}

function actorName(a: Actor): string {
  return 'name' in a && a.name ? `${a.name} (${a.userId})` : a.userId;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function yearOf(ms: number, offsetMinutes: number): number {
  return new Date(ms + offsetMinutes * MINUTE).getUTCFullYear();
}
