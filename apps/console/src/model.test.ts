import { describe, expect, it } from 'vitest';
import type { CaseSummaryView } from '@cityops/schema';
import { actionsFor, byUrgency, clockText, departmentCases, runningClock } from './model.js';

const base: CaseSummaryView = {
  id: 'c1',
  version: 1,
  state: 'raised',
  type: 'road_blockage',
  severity: 'major',
  summary: { zh: '占道', en: 'blocked' },
  lon: 121.4,
  lat: 31.2,
  districtId: 'sh-putuo',
  raisedAt: '2026-03-02T08:00:00.000Z',
  lastBy: 'system',
  lastAction: 'raised',
  lastAt: '2026-03-02T08:00:00.000Z',
  overdue: false,
  nextDueAt: '2026-03-02T08:15:00.000Z',
  clocks: [{ step: 'ack', dueAt: '2026-03-02T08:15:00.000Z', overdue: false, escalations: 0 }],
  escalationLevel: 'grid',
  reopenCount: 0,
};
const c = (over: Partial<CaseSummaryView>): CaseSummaryView => ({ ...base, ...over });

describe('the queue order', () => {
  it('overdue first, then the nearest deadline, then severity; closed ones last', () => {
    const cases = [
      c({ id: 'closed', state: 'closed', overdue: true }),
      c({ id: 'later', nextDueAt: '2026-03-02T09:00:00.000Z' }),
      c({ id: 'soon', nextDueAt: '2026-03-02T08:05:00.000Z' }),
      c({ id: 'late', overdue: true, nextDueAt: '2026-03-02T10:00:00.000Z' }),
      c({ id: 'soon-critical', nextDueAt: '2026-03-02T08:05:00.000Z', severity: 'critical' }),
    ];
    expect(cases.sort(byUrgency).map((x) => x.id)).toEqual(['late', 'soon-critical', 'soon', 'later', 'closed']);
  });
});

describe('clocks', () => {
  const due = '2026-03-02T08:15:00.000Z';
  it('counts down, then up with a minus sign once overdue', () => {
    expect(clockText(due, Date.parse(due) - 75_000)).toEqual({ text: '01:15', overdue: false });
    expect(clockText(due, Date.parse(due) + 3_725_000)).toEqual({ text: '-1:02:05', overdue: true });
  });
  it('is overdue when the server says so even if this clock disagrees', () => {
    expect(clockText(due, Date.parse(due) - 10_000, true).overdue).toBe(true);
  });
  it('the running clock is the open step due first', () => {
    const k = runningClock(
      c({
        clocks: [
          {
            step: 'ack',
            dueAt: '2026-03-02T08:05:00.000Z',
            doneAt: '2026-03-02T08:01:00.000Z',
            overdue: false,
            escalations: 0,
          },
          { step: 'resolve', dueAt: '2026-03-02T12:00:00.000Z', overdue: false, escalations: 0 },
          { step: 'onsite', departmentId: 'd1', dueAt: '2026-03-02T08:30:00.000Z', overdue: false, escalations: 0 },
        ],
      }),
    );
    expect(k?.step).toBe('onsite');
  });
});

describe('actions offered', () => {
  const officer = { username: 'zhang', roles: ['officer'] };
  const traffic = { username: 't', roles: ['department'], departmentId: 'dept-traffic-police' };
  it('an officer acks and dispatches a raised case; a department cannot', () => {
    expect(actionsFor(officer, c({}))).toEqual(expect.arrayContaining(['ack', 'dispatch']));
    expect(actionsFor(traffic, c({}))).toEqual([]);
  });
  it('the lead department checks in and resolves its whistle; an assisting one only checks in', () => {
    const d = c({ state: 'dispatched', lead: 'dept-traffic-police', assist: ['dept-chengguan'] });
    expect(actionsFor(traffic, d)).toEqual(expect.arrayContaining(['checkin', 'resolve', 'comment']));
    const cg = { username: 'cg', roles: ['department'], departmentId: 'dept-chengguan' };
    expect(actionsFor(cg, d)).toContain('checkin');
    expect(actionsFor(cg, d)).not.toContain('resolve');
    expect(actionsFor(traffic, { ...d, checkedIn: ['dept-traffic-police'] })).not.toContain('checkin');
  });
  it('an officer closes a resolved case', () => {
    expect(actionsFor(officer, c({ state: 'resolved' }))).toContain('close');
    expect(actionsFor(officer, c({ state: 'raised' }))).not.toContain('close');
  });
  it('the department view holds the cases sent to the department only', () => {
    const cases = [c({ id: 'a', lead: 'x' }), c({ id: 'b', assist: ['x'] }), c({ id: 'c', lead: 'y' })];
    expect(departmentCases(cases, 'x').map((k) => k.id)).toEqual(['a', 'b']);
  });
});
