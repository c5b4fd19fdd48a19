import { describe, expect, it } from 'vitest';
import type { AlertView, AlertsChannelState, SourcesChannelState } from '@cityops/schema';
import type { ChannelState } from './channel-feed.js';
import { alertsFreshness, flashingCriticals, sourceRows, sourcesFreshness } from './wall-state.js';

const T0 = Date.parse('2026-11-22T08:10:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function alert(over: Partial<AlertView>): AlertView {
  return {
    alertId: 'a1',
    seq: 1,
    type: 'road_blockage',
    state: 'raised',
    severity: 'critical',
    lon: 121.4,
    lat: 31.2,
    districtId: 'sh-putuo',
    firstSignalAt: iso(T0 - 600_000),
    detectedAt: iso(T0),
    raisedAt: iso(T0),
    updatedAt: iso(T0),
    summary: { zh: '堵路', en: 'blocked' },
    evidenceCount: 1,
    subjectCount: 1,
    metrics: {},
    ...over,
  };
}

function alerts(over: Partial<AlertsChannelState> = {}, synced = true): ChannelState<AlertsChannelState> {
  const data: AlertsChannelState = {
    alerts: {},
    openBySeverity: { info: 0, minor: 0, major: 0, critical: 0 },
    open: 0,
    notShown: 0,
    rebuilding: false,
    currentAt: iso(T0),
    rejected: {},
    ...over,
  };
  return { data, seq: 1, synced, gaps: 0, resyncsSent: 0 };
}

describe('alerts freshness', () => {
  it('is fresh only when synced, not rebuilding, without error and confirmed current within 10 s', () => {
    expect(alertsFreshness(alerts(), T0 + 9_000).fresh).toBe(true);
    expect(alertsFreshness(alerts(), T0 + 11_000)).toMatchObject({ fresh: false, ageMs: 11_000 });
    expect(alertsFreshness(alerts({ rebuilding: true }), T0).reason).toContain('rebuilding');
    expect(alertsFreshness(alerts({ error: 'x' }), T0).fresh).toBe(false);
    expect(alertsFreshness(alerts({ currentAt: null }), T0).fresh).toBe(false);
    expect(alertsFreshness(alerts({}, false), T0).fresh).toBe(false);
  });
});

describe('critical flash', () => {
  it('flashes an open critical alert for 60 s after it was raised, unless acknowledged', () => {
    const d = alerts({ alerts: { a1: alert({}), a2: alert({ alertId: 'a2', severity: 'major' }) } }).data;
    expect(flashingCriticals(d, new Set(), T0 + 59_000).map((a) => a.alertId)).toEqual(['a1']);
    expect(flashingCriticals(d, new Set(), T0 + 60_000)).toEqual([]);
    expect(flashingCriticals(d, new Set(['a1']), T0 + 1_000)).toEqual([]);
    const cleared = alerts({ alerts: { a1: alert({ state: 'cleared', clearedAt: iso(T0) }) } }).data;
    expect(flashingCriticals(cleared, new Set(), T0 + 1_000)).toEqual([]);
  });
});

describe('source rows', () => {
  const d: SourcesChannelState = {
    available: true,
    readAt: iso(T0),
    sources: {
      live: {
        source: 'mqtt',
        ratePerSec: 3,
        lastEventAt: iso(T0 - 5_000),
        accepted: 90,
        rejected: 10,
        silentAfterMs: 60_000,
      },
      quiet: {
        source: 'gps',
        ratePerSec: 0,
        lastEventAt: iso(T0 - 61_000),
        accepted: 5,
        rejected: 0,
        silentAfterMs: 60_000,
      },
      never: { source: 'ngsi', silentAfterMs: 60_000 },
    },
  };
  it('a source gone silent is stale, never a zero rate; rejected % from the counts', () => {
    const rows = Object.fromEntries(sourceRows(d, T0).map((r) => [r.name, r]));
    expect(rows.live).toMatchObject({ silent: false, lastSeenMs: 5_000, rejectedPct: 10 });
    expect(rows.quiet).toMatchObject({ silent: true, lastSeenMs: 61_000, rejectedPct: 0 });
    expect(rows.never).toMatchObject({ silent: true, lastSeenMs: null, rejectedPct: null });
  });
  it('the panel is stale when the health was not read for 10 s or is not available', () => {
    const ch = { data: d, seq: 1, synced: true, gaps: 0, resyncsSent: 0 };
    expect(sourcesFreshness(ch, T0 + 5_000).fresh).toBe(true);
    expect(sourcesFreshness(ch, T0 + 10_001).fresh).toBe(false);
    expect(sourcesFreshness({ ...ch, data: { available: false, sources: {}, readAt: null } }, T0).fresh).toBe(false);
  });
});
