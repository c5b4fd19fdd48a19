import type { AlertEvent } from '@cityops/schema';
import { describe, expect, it } from 'vitest';
import { alertLives, poolScores, quantile, scoreAlerts, scoreTable, targetMisses, type GroundTruth } from './score.js';

const T0 = Date.parse('2025-06-02T09:00:00Z');
const at = (min: number): string => new Date(T0 + min * 60_000).toISOString();

let n = 0;
function alert(p: Partial<AlertEvent> & Pick<AlertEvent, 'type'> & { min: number }): AlertEvent {
  const { min, ...rest } = p;
  n++;
  return {
    v: 1,
    eventId: `e${n}`,
    alertId: `a${n}`,
    seq: 1,
    state: 'raised',
    severity: 'major',
    place: { lon: 121.4, lat: 31.2, districtId: 'sh-putuo' },
    firstSignalAt: at(min),
    detectedAt: at(min),
    evidence: [],
    evidenceCount: 0,
    subjects: [],
    departments: { assist: [] },
    summary: { zh: '测试', en: 'test' },
    metrics: {},
    ...rest,
  };
}

// two blockages on different segments, 1 km apart; a flood; a silent feed; a surge; decoys
const truth: GroundTruth = {
  start: at(0),
  end: at(120),
  incidents: [
    {
      id: 'b1',
      type: 'road_blockage',
      place: { lon: 121.4, lat: 31.2, roadId: 'r1', streetId: 's1', districtId: 'sh-putuo' },
      start: at(10),
      end: at(30),
      details: { thresholdCrossedAt: at(20) },
    },
    {
      id: 'b2',
      type: 'road_blockage',
      place: { lon: 121.41, lat: 31.2, roadId: 'r2', streetId: 's1', districtId: 'sh-putuo' },
      start: at(40),
      end: at(60),
      details: { thresholdCrossedAt: at(50) },
    },
    {
      id: 'f1',
      type: 'feed_offline',
      place: { lon: 121.5, lat: 31.3, districtId: 'sh-yangpu' },
      start: at(5),
      end: at(40),
      details: { sensorIds: ['wl-1', 'wl-2'] },
    },
    {
      id: 'h1',
      type: 'hotline_surge',
      place: { lon: 121.45, lat: 31.25, streetId: 's9', districtId: 'sh-jingan' },
      start: at(30),
      end: at(80),
      details: { streetId: 's9', category: 'E.07.01' },
    },
    {
      // begins two minutes before the end: not scored
      id: 'b3',
      type: 'road_blockage',
      place: { lon: 121.6, lat: 31.1, roadId: 'r3', districtId: 'sh-pudong' },
      start: at(108),
      end: at(120),
      clipped: true,
      details: { thresholdCrossedAt: at(118) },
    },
  ],
  decoys: [
    {
      id: 'd1',
      type: 'legal_loading_stop',
      place: { lon: 121.42, lat: 31.22, roadId: 'r7', districtId: 'sh-putuo' },
      start: at(60),
      end: at(90),
      details: {},
    },
    {
      id: 'd2',
      type: 'light_day_off',
      place: { lon: 121.0, lat: 31.0, districtId: 'sh-x' },
      start: at(0),
      end: at(120),
      details: { scope: 'city' },
    },
  ],
};

describe('scoreAlerts', () => {
  it('counts found, missed, false alarms, decoy hits, duplicates and delays from the threshold crossing', () => {
    const alerts = [
      // b1 found 30 s after its threshold, then a second alert id for it (a duplicate) and an update
      alert({
        type: 'road_blockage',
        min: 20.5,
        place: { lon: 121.4001, lat: 31.2, roadSegmentId: 'r1', districtId: 'sh-putuo' },
      }),
      alert({ type: 'road_blockage', min: 24, place: { lon: 121.4, lat: 31.2005, districtId: 'sh-putuo' } }),
      // b2 missed; a blockage alert at the loading-zone decoy instead
      alert({
        type: 'road_blockage',
        min: 70,
        place: { lon: 121.42, lat: 31.22, roadSegmentId: 'r7', districtId: 'sh-putuo' },
      }),
      // a blockage alert nowhere near anything
      alert({ type: 'road_blockage', min: 45, place: { lon: 121.9, lat: 31.0, districtId: 'sh-pudong' } }),
    ];
    const s = scoreAlerts(truth, alerts).byType.find((x) => x.type === 'road_blockage')!;
    expect(s).toMatchObject({
      incidents: 2,
      skipped: 1,
      found: 1,
      recall: 0.5,
      alerts: 4,
      falseAlarms: 2,
      decoyHits: 1,
      duplicates: 1,
      precision: 0.5,
      missed: ['b2'],
      decoyHitsByType: { legal_loading_stop: 1 },
    });
    expect(s.medianDelayS).toBe(30);
    expect(s.falseAlarmsPerHour).toBe(1);
  });

  it('matches a blockage alert by segment id even when the point is far, and not by time outside the slack', () => {
    const far = alert({
      type: 'road_blockage',
      min: 21,
      place: { lon: 121.45, lat: 31.2, roadSegmentId: 'r1', districtId: 'sh-putuo' },
    });
    const tooLate = alert({
      type: 'road_blockage',
      min: 60 + 11,
      place: { lon: 121.41, lat: 31.2, roadSegmentId: 'r2', districtId: 'sh-putuo' },
    });
    const s = scoreAlerts(truth, [far, tooLate]).byType.find((x) => x.type === 'road_blockage')!;
    expect(s.found).toBe(1);
    expect(s.missed).toEqual(['b2']);
    expect(s.falseAlarmIds).toEqual([tooLate.alertId]);
  });

  it('a raise before the threshold counts with a negative delay', () => {
    const early = alert({
      type: 'road_blockage',
      min: 18,
      place: { lon: 121.4, lat: 31.2, roadSegmentId: 'r1', districtId: 'sh-putuo' },
    });
    const s = scoreAlerts(truth, [early]).byType.find((x) => x.type === 'road_blockage')!;
    expect(s.delaysS).toEqual([-120]);
  });

  it('matches feed_offline by silent sensor ids only, delay from the start', () => {
    const right = alert({ type: 'feed_offline', min: 27, subjects: ['wl-9', 'wl-2'] });
    const wrong = alert({
      type: 'feed_offline',
      min: 27,
      subjects: ['wl-7'],
      place: { lon: 121.5, lat: 31.3, districtId: 'sh-yangpu' },
    });
    const s = scoreAlerts(truth, [right, wrong]).byType.find((x) => x.type === 'feed_offline')!;
    expect(s).toMatchObject({ found: 1, falseAlarms: 1, medianDelayS: 22 * 60 });
  });

  it('matches a hotline surge by street and category', () => {
    const place = { lon: 121.45, lat: 31.25, streetId: 's9', districtId: 'sh-jingan' };
    const otherCategory = alert({ type: 'hotline_surge', min: 35, place, categoryCode: 'E.01.01' });
    const right = alert({ type: 'hotline_surge', min: 36, place, categoryCode: 'E.07.01' });
    const s = scoreAlerts(truth, [otherCategory, right]).byType.find((x) => x.type === 'hotline_surge')!;
    expect(s).toMatchObject({ found: 1, falseAlarms: 1, medianDelayS: 6 * 60 });
  });

  it('a light outage alert in the day is a false alarm on the city-wide light_day_off decoy', () => {
    const s = scoreAlerts(truth, [alert({ type: 'light_outage', min: 50 })]).byType.find(
      (x) => x.type === 'light_outage',
    )!;
    expect(s).toMatchObject({ incidents: 0, recall: null, alerts: 1, falseAlarms: 1, decoyHits: 1, precision: 0 });
    expect(targetMisses(s)).toEqual(['light_outage: precision 0.00 < 0.8']);
  });

  it("folds an alert's events into one life (raised first, then updates and the clear), counting unscored types apart", () => {
    const raised = alert({ type: 'flooding', min: 10, subjects: ['g1'] });
    const update = { ...raised, eventId: 'u', seq: 2, state: 'updated' as const, detectedAt: at(15), subjects: ['g2'] };
    const clear = { ...raised, eventId: 'c', seq: 3, state: 'cleared' as const, detectedAt: at(30) };
    const lives = alertLives([clear, update, raised]);
    expect(lives).toHaveLength(1);
    expect(lives[0]!.raised.eventId).toBe(raised.eventId);
    expect(lives[0]!.cleared).toBe(true);
    expect([...lives[0]!.subjects].sort()).toEqual(['g1', 'g2']);
    const r = scoreAlerts(truth, [raised, update, clear, alert({ type: 'manhole_tilt', min: 3 })]);
    expect(r.unscored).toEqual({ manhole_tilt: 1 });
    expect(r.byType.find((x) => x.type === 'flooding')!.alerts).toBe(1);
  });

  it('pools runs and judges the targets', () => {
    const a = scoreAlerts(truth, [
      alert({
        type: 'road_blockage',
        min: 21,
        place: { lon: 121.4, lat: 31.2, roadSegmentId: 'r1', districtId: 'sh-putuo' },
      }),
      alert({
        type: 'road_blockage',
        min: 52,
        place: { lon: 121.41, lat: 31.2, roadSegmentId: 'r2', districtId: 'sh-putuo' },
      }),
    ]).byType.find((x) => x.type === 'road_blockage')!;
    expect(a).toMatchObject({ recall: 1, precision: 1, medianDelayS: 60, p90DelayS: 120 });
    expect(targetMisses(a)).toEqual([]);
    const b = scoreAlerts(truth, []).byType.find((x) => x.type === 'road_blockage')!;
    const pooled = poolScores([a, b]);
    expect(pooled).toMatchObject({ incidents: 4, found: 2, recall: 0.5, alerts: 2, precision: 1 });
    expect(targetMisses(pooled)).toEqual(['road_blockage: recall 0.50 < 0.95']);
    expect(targetMisses(b)).toEqual(['road_blockage: recall 0.00 < 0.95']);
    const table = scoreTable([{ label: 'x', score: pooled }]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('| x | road_blockage | 4 (+2 late) | 2 | 0.50 |');
  });

  it('quantile is nearest-rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(quantile([], 0.5)).toBeNull();
  });
});
