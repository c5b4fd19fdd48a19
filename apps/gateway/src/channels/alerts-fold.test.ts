import { describe, expect, it } from 'vitest';
import { loadCityPack } from '@cityops/city';
import { blockageAlert } from '../test/alert-fixture.js';
import { ALERT_REJECT, AlertsFold } from './alerts-fold.js';

const pack = loadCityPack();
const T0 = Date.UTC(2026, 10, 22, 8, 10, 0);
const json = (v: unknown) => JSON.stringify(v);

describe('AlertsFold', () => {
  it('folds raised → updated → cleared into one alert, names and road line from the pack', () => {
    const fold = new AlertsFold(pack);
    expect(fold.apply(json(blockageAlert(pack)), T0)).toEqual({ ok: true, change: 'new' });
    let a = fold.screen().alerts['alert-blockage-1']!;
    const road = pack.roads.find((r) => r.id === a.roadSegmentId)!;
    expect(a).toMatchObject({ state: 'raised', severity: 'critical', type: 'road_blockage', districtId: 'sh-putuo' });
    expect(a.district).toEqual({ zh: '普陀区', en: expect.any(String) });
    expect(a.street?.zh).toBe(pack.streets.find((s) => s.id === a.streetId)!.name);
    expect(a.road).toEqual({ zh: road.name, en: road.nameEn ?? road.name });
    expect(a.roadLine).toEqual(road.geometry.coordinates);
    expect(a.clearedAt).toBeUndefined();
    expect(fold.openCount).toBe(1);

    fold.apply(
      json(blockageAlert(pack, { seq: 2, state: 'updated', severity: 'major', evidenceCount: 9 })),
      T0 + 60_000,
    );
    a = fold.screen().alerts['alert-blockage-1']!;
    expect(a).toMatchObject({ seq: 2, state: 'updated', severity: 'major', evidenceCount: 9 });
    expect(a.raisedAt).toBe(new Date(T0).toISOString());
    expect(a.updatedAt).toBe(new Date(T0 + 60_000).toISOString());

    fold.apply(json(blockageAlert(pack, { seq: 3, state: 'cleared' })), T0 + 120_000);
    a = fold.screen().alerts['alert-blockage-1']!;
    expect(a.state).toBe('cleared');
    expect(a.clearedAt).toBe(new Date(T0 + 120_000).toISOString());
    expect(fold.openCount).toBe(0);
    expect(fold.screen().openBySeverity).toEqual({ info: 0, minor: 0, major: 0, critical: 0 });
  });

  it('an event published again or read again changes nothing; an older one does not win', () => {
    const fold = new AlertsFold(pack);
    fold.apply(json(blockageAlert(pack)), T0);
    fold.apply(json(blockageAlert(pack, { seq: 2, state: 'updated', severity: 'minor' })), T0 + 1);
    expect(fold.apply(json(blockageAlert(pack, { seq: 2, state: 'updated', severity: 'minor' })), T0 + 2)).toEqual({
      ok: true,
      change: 'duplicate',
    });
    expect(fold.apply(json(blockageAlert(pack)), T0 + 3)).toEqual({ ok: true, change: 'stale' });
    expect(fold.screen().alerts['alert-blockage-1']).toMatchObject({ seq: 2, severity: 'minor' });
  });

  it('keeps a cleared alert 15 minutes after its clear, then forgets it for good', () => {
    const fold = new AlertsFold(pack);
    fold.apply(json(blockageAlert(pack)), T0);
    fold.apply(json(blockageAlert(pack, { seq: 2, state: 'cleared' })), T0 + 1_000);
    fold.prune(T0 + 1_000 + 15 * 60_000);
    expect(fold.clearedCount).toBe(1);
    fold.prune(T0 + 1_000 + 15 * 60_000 + 1);
    expect(fold.clearedCount).toBe(0);
    expect(fold.screen().alerts).toEqual({});
    // a late copy of its raise must not bring it back as open
    expect(fold.apply(json(blockageAlert(pack)), T0 + 16 * 60_000).ok).toBe(true);
    expect(fold.openCount).toBe(0);
  });

  it('holds at most maxOpen open alerts, dropping the least severe (counted), and sends screens the most severe', () => {
    const fold = new AlertsFold(pack, { maxOpen: 3, screenOpen: 2 });
    const sev = ['info', 'critical', 'minor', 'major'] as const;
    sev.forEach((severity, i) => fold.apply(json(blockageAlert(pack, { alertId: `a${i}`, severity })), T0 + i));
    expect(fold.openCount).toBe(3);
    expect(fold.rejected[ALERT_REJECT.overCap]).toBe(1);
    const screen = fold.screen();
    expect(Object.values(screen.alerts).map((a) => a.severity)).toEqual(['critical', 'major']);
    expect(screen.notShown).toBe(1);
    expect(screen.openBySeverity).toEqual({ info: 0, minor: 1, major: 1, critical: 1 });
  });

  it('counts bad records by code and folds the good ones around them', () => {
    const fold = new AlertsFold(pack);
    expect(fold.apply('{not json', T0)).toMatchObject({ ok: false, code: 'E_EVT_NOT_JSON' });
    expect(fold.apply(json({ ...blockageAlert(pack), v: 2 }), T0)).toMatchObject({
      ok: false,
      code: 'E_EVT_UNSUPPORTED_VERSION',
    });
    const bad = fold.apply(json({ ...blockageAlert(pack), severity: 'apocalyptic' }), T0);
    expect(bad).toMatchObject({ ok: false, code: 'E_EVT_SCHEMA' });
    expect(bad.ok ? '' : bad.reason).toContain('severity');
    expect(fold.apply('null', T0)).toMatchObject({ ok: false, code: 'E_EVT_SCHEMA' });
    fold.apply(json(blockageAlert(pack)), T0);
    expect(fold.rejected).toEqual({ E_EVT_NOT_JSON: 1, E_EVT_UNSUPPORTED_VERSION: 1, E_EVT_SCHEMA: 2 });
    expect(fold.openCount).toBe(1);
  });

  it('an alert at a place the pack does not know is still shown, without names', () => {
    const fold = new AlertsFold(pack);
    const e = blockageAlert(pack);
    fold.apply(json({ ...e, place: { lon: 121.4, lat: 31.2, districtId: 'nowhere', roadSegmentId: 'no-road' } }), T0);
    const a = fold.screen().alerts[e.alertId]!;
    expect(a.districtId).toBe('nowhere');
    expect(a.district).toBeUndefined();
    expect(a.roadLine).toBeUndefined();
  });
});
