import { describe, expect, it } from 'vitest';
import type { AlertView, CaseSummaryView, HotlineKpiArea, HotlineKpis } from '@cityops/schema';
import { alertLayers } from '../../charts/alert-layers.js';
import { formatMetric, metricLabel } from '../format-theme.js';
import { hotspotsOf } from './AlertRows.js';
import { isLate, openCases } from './CaseRows.js';
import { cityTotals, isHotlineKpis, isHotlineRankings } from './Hotline.js';

const area = (
  id: string,
  received: number,
  responded: number,
  callbacks: number,
  satisfied: number,
): HotlineKpiArea => ({
  id,
  received,
  responded,
  respondedLate: 0,
  resolved: responded,
  resolvedLate: 0,
  callbacks,
  satisfied,
  responseRate: received ? responded / received : null,
  resolutionRate: received ? responded / received : null,
  satisfactionRate: callbacks ? satisfied / callbacks : null,
  medianResponseMin: 5,
  medianResolveMin: 60,
});

describe('接诉即办 figures', () => {
  it('the city rates are recomputed from the districts sums, never an average of their rates', () => {
    const kpis: HotlineKpis = {
      level: 'district',
      period: '2026-12',
      asOf: '2026-12-01T00:00:00Z',
      areas: [area('a', 100, 90, 10, 9), area('b', 10, 0, 0, 0)],
    };
    const c = cityTotals(kpis)!;
    expect(c.received).toBe(110);
    expect(c.responseRate).toBeCloseTo(90 / 110, 9);
    expect(c.satisfactionRate).toBeCloseTo(0.9, 9);
    expect(cityTotals({ ...kpis, areas: [] })!.responseRate).toBeNull();
    expect(cityTotals(null)).toBeNull();
  });

  it('checks the shapes of the answers', () => {
    expect(isHotlineKpis({ level: 'district', asOf: null, areas: [{ id: 'a', received: 1 }] })).toBe(true);
    expect(isHotlineKpis({ level: 'district', asOf: null, areas: [{ id: 'a' }] })).toBe(false);
    expect(isHotlineKpis({ error: 'x' })).toBe(false);
    expect(isHotlineRankings({ asOf: null, red: [], black: [], topProblems: [] })).toBe(true);
    expect(isHotlineRankings({ asOf: null, red: [{ score: 1 }], black: [], topProblems: [] })).toBe(false);
  });

  it('formats theme figures by unit, absent as —', () => {
    expect(formatMetric('devices.reportingShare', 0.953)).toBe('95%');
    expect(formatMetric('logistics.carriagewayStopsPerHour', 4.25)).toBe('4.3/h');
    expect(formatMetric('water.maxLevelCm', 12.4)).toBe('12 cm');
    expect(formatMetric('devices.reportingShare:water_level', undefined)).toBe('—');
    // a qualified figure names its kind, so six tiles of one metric are told apart
    expect(metricLabel('devices.reportingShare:water_level')).toEqual({
      zh: '设备在线率 · 水位计',
      en: 'Sensors reporting · water gauges',
    });
    expect(metricLabel('devices.reportingShare').zh).toBe('设备在线率');
  });
});

const alert = (id: string, over: Partial<AlertView>): AlertView =>
  ({
    alertId: id,
    seq: 1,
    type: 'road_blockage',
    state: 'raised',
    severity: 'major',
    lon: 121.4,
    lat: 31.2,
    districtId: 'sh-putuo',
    firstSignalAt: '2026-12-01T00:00:00Z',
    detectedAt: '2026-12-01T00:00:00Z',
    raisedAt: '2026-12-01T00:00:00Z',
    updatedAt: '2026-12-01T00:00:00Z',
    summary: { zh: 's', en: 's' },
    evidenceCount: 1,
    subjectCount: 1,
    ...over,
  }) as AlertView;

describe('blockage hotspots', () => {
  it('groups open blockages by road, most first, and leaves out other types and cleared ones', () => {
    const spots = hotspotsOf([
      alert('1', { roadSegmentId: 'r1', severity: 'minor' }),
      alert('2', { roadSegmentId: 'r1', severity: 'critical', raisedAt: '2026-12-01T00:05:00Z' }),
      alert('3', { roadSegmentId: 'r2' }),
      alert('4', { roadSegmentId: 'r3', state: 'cleared' }),
      alert('5', { roadSegmentId: 'r4', type: 'flooding' }),
    ]);
    expect(spots.map((s) => [s.key, s.open, s.worst])).toEqual([
      ['r1', 2, 'critical'],
      ['r2', 1, 'major'],
    ]);
  });
});

const kase = (id: string, over: Partial<CaseSummaryView>): CaseSummaryView =>
  ({
    id,
    version: 1,
    state: 'dispatched',
    type: 'road_blockage',
    severity: 'major',
    summary: { zh: 's', en: 's' },
    lon: 121.4,
    lat: 31.2,
    districtId: 'sh-putuo',
    raisedAt: '2026-12-01T00:00:00Z',
    lastBy: 'u',
    lastAction: 'dispatch',
    lastAt: '2026-12-01T00:00:00Z',
    overdue: false,
    clocks: [],
    escalationLevel: 'street',
    reopenCount: 0,
    ...over,
  }) as CaseSummaryView;

describe('cases on the wall', () => {
  const now = Date.parse('2026-12-01T01:00:00Z');
  const cases = {
    a: kase('a', { severity: 'critical' }),
    b: kase('b', { nextDueAt: '2026-12-01T00:30:00Z' }),
    c: kase('c', { state: 'closed' }),
    d: kase('d', { severity: 'minor', overdue: true }),
  };
  const data = { cases, byState: {}, overdue: 2, notShown: 0, currentAt: null } as never;

  it('lists open cases, the late ones first (overdue flag or a passed deadline), then by severity', () => {
    expect(openCases(data, now).map((c) => c.id)).toEqual(['b', 'd', 'a']);
    expect(isLate(cases.b, now)).toBe(true);
    expect(isLate(cases.a, now)).toBe(false);
  });

  it('draws open cases at their place on the map, not closed ones', () => {
    const l = alertLayers({ mapName: 'm', alerts: [], stale: false, cases: Object.values(cases) });
    expect(l.drawn.cases).toEqual(['a', 'b', 'd']);
    const inDistrict = alertLayers({
      mapName: 'm',
      alerts: [],
      stale: false,
      cases: Object.values(cases),
      districtId: 'x',
    });
    expect(inDistrict.drawn.cases).toEqual([]);
  });
});
