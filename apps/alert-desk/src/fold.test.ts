import { ErrorCodes } from '@cityops/schema';
import { describe, expect, it } from 'vitest';
import { deadlinesOf } from './desk.js';
import { DEFAULT_DEADLINES } from './model.js';
import { verifyAudit } from './audit.js';
import { FoldHarness, MIN, T0, alertEvent, command, dept, officer, supervisor } from './test/fixtures.js';

const TP = 'dept-traffic-police';
const CG = 'dept-chengguan';
const here = { lon: 121.4, lat: 31.2 };

/** a harness with alert-1 raised, acknowledged and dispatched at 应急 (version 3) */
function dispatched(level: 'emergency' | 'priority' | 'routine' = 'emergency'): FoldHarness {
  const h = new FoldHarness();
  h.raise();
  expect(h.send(command('ack', { expectedVersion: 1 })).outcome).toBe('accepted');
  const d = h.send(command('dispatch', { expectedVersion: 2, level, lead: TP, assist: [CG] }));
  expect(d.outcome).toBe('accepted');
  return h;
}

describe('the desk fold: lifecycle', () => {
  it('a raised alert opens a case at version 1 with an ack clock by severity (critical: 5 min)', () => {
    const h = new FoldHarness();
    h.raise();
    const c = h.case();
    expect(c.state).toBe('raised');
    expect(c.version).toBe(1);
    expect(c.clocks).toEqual([expect.objectContaining({ step: 'ack', dueAt: new Date(T0 + 5 * MIN).toISOString() })]);
    expect(h.audit().map((e) => e.action)).toEqual(['raised']);
  });

  it('walks raised → acknowledged → dispatched → checked in → on_site → resolved → closed, auditing each step', () => {
    const h = dispatched();
    let c = h.case();
    expect(c.state).toBe('dispatched');
    expect(c.dispatch?.archiveNo).toBe('SH-2026-0-000001');
    expect(c.clocks.filter((k) => k.step === 'onsite').map((k) => [k.departmentId, k.dueAt])).toEqual([
      [TP, new Date(T0 + MIN + 15 * MIN).toISOString()], // the pack's onSiteMinutes for 应急
      [CG, new Date(T0 + MIN + 30 * MIN).toISOString()],
    ]);
    expect(
      h.send(command('checkin', { expectedVersion: 3, actor: dept(TP), departmentId: TP, position: here })).outcome,
    ).toBe('accepted');
    expect(h.case().state).toBe('dispatched');
    h.send(command('checkin', { expectedVersion: 4, actor: dept(CG), departmentId: CG, position: here }));
    expect(h.case().state).toBe('on_site');
    const r = h.send(
      command('resolve', {
        expectedVersion: 5,
        actor: dept(TP),
        departmentId: TP,
        notes: '车辆已驶离',
        photoUrl: 'https://example.org/p.jpg',
        whistleRating: 4,
      }),
    );
    expect(r.outcome).toBe('accepted');
    const closed = h.send(command('close', { expectedVersion: 6, feedback: '已处理', handlingRating: 5 }));
    expect(closed.outcome).toBe('accepted');
    c = h.case();
    expect(c.state).toBe('closed');
    expect(c.version).toBe(7);
    expect(c.evaluation).toEqual({ whistle: 4, handling: 5 });
    const trail = h.audit();
    expect(trail.map((e) => [e.action, e.actor.userId, e.beforeVersion, e.afterVersion])).toEqual([
      ['raised', 'system', 0, 1],
      ['ack', 'zhang', 1, 2],
      ['dispatch', 'zhang', 2, 3],
      ['checkin', `${TP}-user`, 3, 4],
      ['checkin', `${CG}-user`, 4, 5],
      ['resolve', `${TP}-user`, 5, 6],
      ['close', 'zhang', 6, 7],
    ]);
    expect(verifyAudit(trail, new Map([['alert-1', c.audit]]))).toEqual({ ok: true, cases: 1, entries: 7 });
    // the audit topic carries the same entries as the store
    expect(h.auditTopic).toEqual(trail);
  });

  it('archive numbers count up per partition and year', () => {
    const h = new FoldHarness();
    for (const id of ['a', 'b']) {
      h.raise({ alertId: id });
      h.send(command('ack', { caseId: id, expectedVersion: 1 }));
      h.send(command('dispatch', { caseId: id, expectedVersion: 2, level: 'routine', lead: TP }));
    }
    expect([h.case('a').dispatch?.archiveNo, h.case('b').dispatch?.archiveNo]).toEqual([
      'SH-2026-0-000001',
      'SH-2026-0-000002',
    ]);
  });

  it('comment, escalate, reassign and reopen are accepted transitions', () => {
    const h = dispatched();
    expect(h.send(command('comment', { expectedVersion: 3, text: '现场拥堵' })).outcome).toBe('accepted');
    expect(h.send(command('escalate', { expectedVersion: 4, reason: '需要区级协调' })).outcome).toBe('accepted');
    expect(h.case().escalation).toEqual({ level: 'street', unitId: 's-1' });
    const re = h.send(
      command('reassign', { expectedVersion: 5, actor: supervisor, lead: CG, assist: ['dept-postal'], reason: '改派' }),
    );
    expect(re.outcome).toBe('accepted');
    expect(h.case().dispatch).toMatchObject({ lead: CG, assist: ['dept-postal'] });
    // traffic police's on-site clock stopped; postal's started
    const clocks = h.case().clocks;
    expect(clocks.find((k) => k.departmentId === TP && k.step === 'onsite')?.stoppedAt).toBeDefined();
    expect(clocks.some((k) => k.departmentId === 'dept-postal' && k.step === 'onsite' && !k.stoppedAt)).toBe(true);
    h.send(command('checkin', { expectedVersion: 6, actor: dept(CG), departmentId: CG, position: here }));
    h.send(command('resolve', { expectedVersion: 7, actor: dept(CG), departmentId: CG, notes: 'ok' }));
    // escalated: a supervisor closes it
    const byOfficer = h.send(command('close', { expectedVersion: 8, feedback: 'f', handlingRating: 3 }));
    expect(byOfficer).toMatchObject({ outcome: 'rejected', code: ErrorCodes.DESK_FORBIDDEN_ROLE });
    expect(
      h.send(command('close', { expectedVersion: 8, actor: supervisor, feedback: 'f', handlingRating: 3 })).outcome,
    ).toBe('accepted');
    const reopened = h.send(command('reopen', { expectedVersion: 9, reason: '群众反映仍未解决' }));
    expect(reopened.outcome).toBe('accepted');
    const c = h.case();
    expect(c).toMatchObject({ state: 'dispatched', reopenCount: 1, checkins: {} });
    expect(c.resolution).toBeUndefined();
  });

  it("the detector's clear marks the case clear_pending; an officer confirms it closed, or reopens it", () => {
    const h = new FoldHarness();
    h.raise();
    h.send(command('ack', { expectedVersion: 1 }));
    h.raise({ seq: 2, state: 'cleared', detectedAt: new Date(T0 + 2 * MIN).toISOString() });
    expect(h.case()).toMatchObject({ state: 'clear_pending', priorState: 'acknowledged', version: 3 });
    expect(h.send(command('confirm_clear', { expectedVersion: 3, at: T0 + 3 * MIN })).outcome).toBe('accepted');
    expect(h.case()).toMatchObject({ state: 'closed', closure: { how: 'auto_clear' } });

    const g = new FoldHarness();
    g.raise();
    g.raise({ seq: 2, state: 'cleared' });
    expect(g.send(command('reopen', { expectedVersion: 2, reason: '仍在占道' })).outcome).toBe('accepted');
    expect(g.case().state).toBe('raised');
  });

  it('merge: the other case becomes merged into the survivor, which lists it; its later alerts reach the survivor', () => {
    const h = new FoldHarness();
    h.raise({ alertId: 'A' });
    h.raise({ alertId: 'B', evidence: ['b1'], evidenceCount: 1 });
    const d = h.send(command('merge', { caseId: 'A', expectedVersion: 1, others: ['B'] }));
    expect(d.outcome).toBe('accepted');
    expect(h.case('B')).toMatchObject({ state: 'merged', mergedInto: 'A' });
    expect(h.case('A')).toMatchObject({ members: ['B'], pendingMerges: [], version: 3 });
    expect(h.audit('A').map((e) => e.action)).toEqual(['raised', 'merge', 'merge_joined']);
    h.raise({ alertId: 'B', seq: 2, state: 'updated', evidence: ['b1', 'b2'], evidenceCount: 2 });
    expect(h.case('A').alert.evidence).toContain('b2');
    // merging an unknown case is refused on the survivor, audited
    h.send(command('merge', { caseId: 'A', expectedVersion: 3, others: ['nope'] }));
    expect(h.audit('A').at(-1)).toMatchObject({ action: 'merge_refused', details: { member: 'nope' } });
    // commands to the merged case are refused
    expect(h.send(command('ack', { caseId: 'B', expectedVersion: h.case('B').version }))).toMatchObject({
      outcome: 'rejected',
      code: ErrorCodes.DESK_NOT_ALLOWED,
    });
  });
});

describe('the desk fold: refusals are written nowhere in the case', () => {
  const refusals: Array<[string, (h: FoldHarness) => ReturnType<FoldHarness['send']>, string]> = [
    [
      'unknown case',
      (h) => h.send(command('ack', { caseId: 'nope', expectedVersion: 1 })),
      ErrorCodes.DESK_UNKNOWN_CASE,
    ],
    [
      'stale version',
      (h) => h.send(command('comment', { expectedVersion: 2, text: 'x' })),
      ErrorCodes.DESK_VERSION_CONFLICT,
    ],
    ['ack twice', (h) => h.send(command('ack', { expectedVersion: 3 })), ErrorCodes.DESK_NOT_ALLOWED],
    [
      'dispatch again',
      (h) => h.send(command('dispatch', { expectedVersion: 3, level: 'routine', lead: TP })),
      ErrorCodes.DESK_NOT_ALLOWED,
    ],
    [
      'a department checking in for another',
      (h) => h.send(command('checkin', { expectedVersion: 3, actor: dept(CG), departmentId: TP, position: here })),
      ErrorCodes.DESK_FORBIDDEN_DEPARTMENT,
    ],
    [
      'a department not sent to the case',
      (h) =>
        h.send(
          command('checkin', {
            expectedVersion: 3,
            actor: dept('dept-roads'),
            departmentId: 'dept-roads',
            position: here,
          }),
        ),
      ErrorCodes.DESK_FORBIDDEN_DEPARTMENT,
    ],
    [
      'an officer checking in',
      (h) => h.send(command('checkin', { expectedVersion: 3, departmentId: TP, position: here })),
      ErrorCodes.DESK_FORBIDDEN_ROLE,
    ],
    [
      'an assisting department resolving',
      (h) => h.send(command('resolve', { expectedVersion: 3, actor: dept(CG), departmentId: CG, notes: 'x' })),
      ErrorCodes.DESK_FORBIDDEN_DEPARTMENT,
    ],
    [
      'the lead resolving before checking in',
      (h) => h.send(command('resolve', { expectedVersion: 3, actor: dept(TP), departmentId: TP, notes: 'x' })),
      ErrorCodes.DESK_NOT_ALLOWED,
    ],
    [
      'close before resolve',
      (h) => h.send(command('close', { expectedVersion: 3, feedback: 'x', handlingRating: 3 })),
      ErrorCodes.DESK_NOT_ALLOWED,
    ],
    [
      'an officer reassigning',
      (h) => h.send(command('reassign', { expectedVersion: 3, lead: CG, reason: 'x' })),
      ErrorCodes.DESK_FORBIDDEN_ROLE,
    ],
    [
      'a screen commenting',
      (h) => h.send(command('comment', { expectedVersion: 3, actor: { userId: 'wall', role: 'screen' }, text: 'x' })),
      ErrorCodes.DESK_FORBIDDEN_ROLE,
    ],
    [
      'reopen an open case',
      (h) => h.send(command('reopen', { expectedVersion: 3, reason: 'x' })),
      ErrorCodes.DESK_NOT_ALLOWED,
    ],
    [
      'confirm_clear without a clear',
      (h) => h.send(command('confirm_clear', { expectedVersion: 3 })),
      ErrorCodes.DESK_NOT_ALLOWED,
    ],
    [
      'merge with itself',
      (h) => h.send(command('merge', { expectedVersion: 3, others: ['alert-1'] })),
      ErrorCodes.DESK_NOT_ALLOWED,
    ],
    [
      'dispatch to a department not in the pack',
      (h) => {
        h.raise({ alertId: 'z' });
        h.send(command('ack', { caseId: 'z', expectedVersion: 1 }));
        return h.send(command('dispatch', { caseId: 'z', expectedVersion: 2, level: 'routine', lead: 'dept-nowhere' }));
      },
      ErrorCodes.DESK_FORBIDDEN_DEPARTMENT,
    ],
  ];
  for (const [what, act, code] of refusals) {
    it(`${what}: ${code}, case and trail unchanged`, () => {
      const h = dispatched();
      const before = h.state.get('c:alert-1');
      const trail = h.audit().length;
      const d = act(h);
      expect(d.outcome).toBe(code === ErrorCodes.DESK_VERSION_CONFLICT ? 'conflict' : 'rejected');
      expect(d.code).toBe(code);
      expect(h.state.get('c:alert-1')).toBe(before);
      expect(h.audit()).toHaveLength(trail);
    });
  }

  it('a stale version is a conflict naming the version and who acted last', () => {
    const h = new FoldHarness();
    h.raise();
    const first = h.send(command('ack', { expectedVersion: 1, actor: officer('wang', '王芳') }));
    const second = h.send(command('ack', { expectedVersion: 1, actor: officer('zhao', '赵磊') }));
    expect(first.outcome).toBe('accepted');
    expect(second).toMatchObject({
      outcome: 'conflict',
      code: ErrorCodes.DESK_VERSION_CONFLICT,
      version: 2,
      lastAction: 'ack',
      lastActor: { userId: 'wang', name: '王芳' },
    });
    expect(h.case().ack?.by).toMatchObject({ userId: 'wang' });
  });

  it('a command delivered twice is decided once: the second gets the first decision again', () => {
    const h = new FoldHarness();
    h.raise();
    const cmd = command('ack', { expectedVersion: 1 });
    const a = h.send(cmd);
    const b = h.send(cmd);
    expect(a.outcome).toBe('accepted');
    expect(b).toMatchObject({ outcome: 'accepted', duplicate: true, version: 2 });
    expect(h.audit()).toHaveLength(2);
  });

  it('an alert event delivered twice changes nothing', () => {
    const h = new FoldHarness();
    h.raise();
    h.raise();
    expect(h.audit()).toHaveLength(1);
    expect(h.case().version).toBe(1);
  });

  it('records that are not desk inputs are dead-lettered with a reason, nothing crashes', () => {
    const h = new FoldHarness();
    const out = h.feed(
      'not json',
      JSON.stringify({ kind: 'command', command: { action: 'ack' } }),
      JSON.stringify({ kind: 'x' }),
    );
    expect(out.dropped).toEqual({
      [ErrorCodes.EVT_NOT_JSON]: 1,
      [ErrorCodes.DESK_INVALID_COMMAND]: 1,
      [ErrorCodes.EVT_SCHEMA]: 1,
    });
    expect(h.deadLetters.map((d) => (JSON.parse(d) as { code: string }).code)).toEqual([
      ErrorCodes.EVT_NOT_JSON,
      ErrorCodes.DESK_INVALID_COMMAND,
      ErrorCodes.EVT_SCHEMA,
    ]);
  });
});

describe('the desk fold: deadlines in event time', () => {
  it('an un-acked critical alert escalates by itself at 5 min (grid → street), then each further 5 min up to the city', () => {
    const h = new FoldHarness();
    h.raise();
    h.tick(T0 + 5 * MIN - 1);
    expect(h.case().escalation.level).toBe('grid');
    h.tick(T0 + 5 * MIN);
    expect(h.case()).toMatchObject({ escalation: { level: 'street', unitId: 's-1' }, version: 2 });
    expect(h.case().clocks[0]).toMatchObject({ overdue: true, escalations: 1 });
    h.tick(T0 + 60 * MIN);
    expect(h.case().escalation).toEqual({ level: 'city', unitId: 'city-center' });
    const esc = h.audit().filter((e) => e.action === 'escalate');
    expect(esc.map((e) => [e.at, e.details.toLevel, e.actor.userId])).toEqual([
      [new Date(T0 + 5 * MIN).toISOString(), 'street', 'system'],
      [new Date(T0 + 10 * MIN).toISOString(), 'district', 'system'],
      [new Date(T0 + 15 * MIN).toISOString(), 'city', 'system'],
    ]);
    // nothing more once at the city center
    h.tick(T0 + 600 * MIN);
    expect(h.audit().filter((e) => e.action === 'escalate')).toHaveLength(3);
  });

  it('an overdue check-in escalates by itself; an on-time one does not', () => {
    const h = dispatched('priority'); // on site within 2 h for 重点
    h.send(
      command('checkin', { expectedVersion: 3, actor: dept(TP), departmentId: TP, position: here, at: T0 + 30 * MIN }),
    );
    h.tick(T0 + MIN + 120 * MIN - 1);
    expect(h.audit().filter((e) => e.action === 'escalate')).toHaveLength(0);
    h.tick(T0 + MIN + 120 * MIN);
    const c = h.case();
    expect(c.escalation.level).toBe('street');
    const late = c.clocks.find((k) => k.step === 'onsite' && k.departmentId === CG);
    const fine = c.clocks.find((k) => k.step === 'onsite' && k.departmentId === TP);
    expect(late).toMatchObject({ overdue: true, escalations: 1 });
    expect(fine).toMatchObject({ overdue: false });
    expect(h.audit().at(-1)).toMatchObject({
      action: 'escalate',
      details: { step: 'onsite', departmentId: CG, auto: true },
    });
  });

  it('a command timestamped far ahead is held to the watermark + 60 s; one behind it to the watermark', () => {
    const h = new FoldHarness();
    h.raise();
    h.tick(T0 + MIN);
    const d = h.send(command('ack', { expectedVersion: 1, at: T0 + 3_600_000 }));
    expect(d.decidedAt).toBe(new Date(T0 + 2 * MIN).toISOString());
    expect(h.audit().at(-1)?.claimedAt).toBe(new Date(T0 + 3_600_000).toISOString());
  });

  it('alerts also move event time: a later alert on the partition fires an earlier case’s deadline', () => {
    const h = new FoldHarness();
    h.raise();
    h.raise({ alertId: 'later', detectedAt: new Date(T0 + 6 * MIN).toISOString() });
    expect(h.case().escalation.level).toBe('street');
  });

  it('a replay of the same records gives the same state, byte for byte', () => {
    const h = dispatched();
    h.tick(T0 + 90 * MIN);
    h.raise({ alertId: 'x', evidence: ['q'] });
    const again = new FoldHarness();
    for (const batch of h.batches) again.feed(...batch);
    expect([...again.state].sort()).toEqual([...h.state].sort());
    expect(again.auditTopic).toEqual(h.auditTopic);
  });
});

describe('alert events on the fold', () => {
  it('a severity rise tightens the ack clock and is audited', () => {
    const h = new FoldHarness();
    h.raise({ severity: 'minor' });
    expect(h.case().clocks[0]?.dueAt).toBe(new Date(T0 + 60 * MIN).toISOString());
    h.raise({ seq: 2, state: 'updated', severity: 'critical', detectedAt: new Date(T0 + MIN).toISOString() });
    expect(h.case().clocks[0]?.dueAt).toBe(new Date(T0 + 5 * MIN).toISOString());
    expect(h.audit().at(-1)).toMatchObject({ action: 'severity', details: { from: 'minor', to: 'critical' } });
    expect(alertEvent().alertId).toBe('alert-1');
  });
});

describe('deadlines from the city pack', () => {
  it("the pack's deadlines replace the defaults level by level; what it leaves out keeps the default", () => {
    const d = deadlinesOf({ onSiteMinutes: { emergency: 20 }, ackMinutes: { critical: 3 } });
    expect(d.onSiteMinutes).toEqual({ ...DEFAULT_DEADLINES.onSiteMinutes, emergency: 20 });
    expect(d.ackMinutes).toEqual({ ...DEFAULT_DEADLINES.ackMinutes, critical: 3 });
    expect(d.resolveMinutes).toEqual(DEFAULT_DEADLINES.resolveMinutes);
    expect(deadlinesOf(undefined)).toEqual(DEFAULT_DEADLINES);
  });
});
