import { describe, expect, it } from 'vitest';
import type {
  AlertView,
  AlertsChannelState,
  CasesChannelState,
  HotlineKpis,
  SourcesChannelState,
  ThemesSnapshot,
  VitalsSnapshot,
} from '@cityops/schema';
import type { ChannelState } from './channel-feed.js';
import type { RestState } from './rest-poll.js';
import type { FeedState, FeedView } from './vitals-feed.js';
import {
  alertsFreshness,
  casesFreshness,
  flashingCriticals,
  hotlineKpisFreshness,
  orderedSourceRows,
  REASONS,
  sourceRows,
  sourcesFreshness,
  themeFreshness,
  typeFreshness,
  vitalsFreshness,
} from './wall-state.js';

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
  it('orders died feeds first, then live ones, then the never heard from', () => {
    const names = orderedSourceRows({ ...d, sources: { ...d.sources, alive: d.sources.live! } }, T0).map((r) => r.name);
    expect(names).toEqual(['quiet', 'alive', 'live', 'never']);
  });
  it('the panel is stale when the health was not read for 10 s or is not available', () => {
    const ch = { data: d, seq: 1, synced: true, gaps: 0, resyncsSent: 0 };
    expect(sourcesFreshness(ch, T0 + 5_000).fresh).toBe(true);
    expect(sourcesFreshness(ch, T0 + 10_001).fresh).toBe(false);
    expect(sourcesFreshness({ ...ch, data: { available: false, sources: {}, readAt: null } }, T0).fresh).toBe(false);
  });
});

describe('link reasons on the channels', () => {
  it('socket down: gateway unreachable (with data kept) or connecting (never had any)', () => {
    const down = { ...alerts(), synced: false, connected: false };
    expect(alertsFreshness(down, T0).reason).toBe(REASONS.unreachable);
    expect(alertsFreshness({ ...down, data: null }, T0).reason).toBe(REASONS.connecting);
    expect(alertsFreshness({ ...alerts({}, false), connected: true }, T0).reason).toBe(REASONS.notSynced);
  });
});

// ---- vitals, types, themes, KPIs, cases -------------------------------------------------------

function vitalsSnap(over: Partial<VitalsSnapshot> = {}): VitalsSnapshot {
  return {
    asOf: iso(T0),
    updatedAt: iso(T0),
    total: { m1: 1, m15: 10 },
    byDistrict: {},
    byStreet: {},
    bySource: {},
    byType: { 'sensor.reading': { m1: 1, m15: 10 } },
    trend: [],
    bucketMs: 60_000,
    dropped: {},
    rebuilding: false,
    ...over,
  };
}

function feedState(over: Partial<FeedState> = {}): FeedState {
  return {
    transport: 'connected',
    everSynced: true,
    awaitingSnapshot: false,
    vitals: vitalsSnap(),
    seq: 1,
    hello: null,
    clockOffsetMs: 0,
    clock: { offsetMs: 0, rttMs: null, via: 'none', measuredAt: null },
    downSinceMs: 0,
    terminal: false,
    stats: { snapshots: 1, deltasApplied: 0, gaps: 0, resyncsSent: 0 },
    ...over,
  };
}

const liveView = (ageMs: number | null = 1_000): FeedView => ({
  status: 'live',
  screenState: 'live',
  stale: ageMs === null || ageMs > 10_000,
  ageMs,
  downForMs: null,
  clock: { offsetMs: 0, rttMs: null, via: 'none', measuredAt: null },
  seq: 1,
  snapshots: 1,
});

describe('vitals freshness', () => {
  it('fresh when connected, synced, not rebuilding and young; each other case names its reason', () => {
    expect(vitalsFreshness(feedState(), liveView())).toEqual({ fresh: true, reason: null, ageMs: 1_000 });
    expect(vitalsFreshness(feedState(), liveView(11_000))).toMatchObject({ fresh: false, reason: REASONS.stale });
    expect(vitalsFreshness(feedState({ transport: 'disconnected' }), liveView()).reason).toBe(REASONS.unreachable);
    expect(
      vitalsFreshness(feedState({ transport: 'connecting', everSynced: false, vitals: null }), liveView(null)).reason,
    ).toBe(REASONS.connecting);
    expect(vitalsFreshness(feedState({ awaitingSnapshot: true }), liveView()).reason).toBe(REASONS.notSynced);
    expect(vitalsFreshness(feedState({ vitals: vitalsSnap({ rebuilding: true }) }), liveView()).reason).toBe(
      REASONS.rebuilding,
    );
    expect(vitalsFreshness(feedState({ vitals: vitalsSnap({ updatedAt: null }) }), liveView(null)).reason).toBe(
      REASONS.noData,
    );
  });
});

function sourcesCh(lastSensorsAt: number, types = true): ChannelState<SourcesChannelState> {
  return {
    data: {
      available: true,
      readAt: iso(T0),
      sources: {
        'sim.sensors': {
          source: 'sim.sensors',
          lastEventAt: iso(lastSensorsAt),
          silentAfterMs: 10_000,
          ...(types ? { types: ['sensor.reading'] } : {}),
        },
        'hotline-12345': {
          source: 'hotline-12345',
          lastEventAt: iso(T0),
          silentAfterMs: 10_000,
          ...(types ? { types: ['hotline.ticket'] } : {}),
        },
      },
    },
    seq: 1,
    synced: true,
    connected: true,
    gaps: 0,
    resyncsSent: 0,
  };
}

describe('one type: feed silent, not zero', () => {
  const fresh = { fresh: true, reason: null, ageMs: 500 };
  it('the sensors figures are feed silent when every source sending sensor readings is silent', () => {
    const f = typeFreshness('sensor.reading', fresh, sourcesCh(T0 - 30_000), T0);
    expect(f.fresh).toBe(false);
    expect(f.reason).toBe(`${REASONS.feedSilent}: sim.sensors`);
    // the hotline's own source still sends: its figures stay fresh
    expect(typeFreshness('hotline.ticket', fresh, sourcesCh(T0 - 30_000), T0).fresh).toBe(true);
    expect(typeFreshness('sensor.reading', fresh, sourcesCh(T0 - 5_000), T0).fresh).toBe(true);
  });
  it('unknown feeders (no types from the gateway): only the vitals freshness applies', () => {
    expect(typeFreshness('sensor.reading', fresh, sourcesCh(T0 - 30_000, false), T0).fresh).toBe(true);
  });
  it('a stale vitals feed wins over the source check', () => {
    const stale = { fresh: false, reason: REASONS.unreachable, ageMs: 20_000 };
    expect(typeFreshness('sensor.reading', stale, sourcesCh(T0), T0)).toBe(stale);
  });
});

function themes(over: Partial<ThemesSnapshot> = {}): ThemesSnapshot {
  return {
    asOf: iso(T0),
    hourOfWeek: 8,
    city: { values: { 'water.maxLevelCm': 12, 'hotline.open': 3 }, baseline: {}, deviation: {} },
    byDistrict: {},
    byStreet: {},
    healthTrend: {},
    areaKm2: {},
    ...over,
  };
}

describe('theme freshness', () => {
  const fresh = { fresh: true, reason: null, ageMs: 500 };
  const ok = sourcesCh(T0);
  it('absent themes or a theme without figures: no data (the widget draws —)', () => {
    expect(themeFreshness('water', fresh, vitalsSnap(), ok, T0)).toMatchObject({
      fresh: false,
      reason: REASONS.noData,
    });
    expect(themeFreshness('traffic', fresh, vitalsSnap({ themes: themes() }), ok, T0).reason).toBe(REASONS.noData);
    expect(themeFreshness('water', fresh, vitalsSnap({ themes: themes() }), ok, T0).fresh).toBe(true);
  });
  it('themes behind the vitals watermark are stale; a silent sensor feed makes the sensor themes silent', () => {
    const behind = vitalsSnap({ asOf: iso(T0 + 200_000), themes: themes() });
    expect(themeFreshness('water', fresh, behind, ok, T0)).toMatchObject({ fresh: false, reason: REASONS.stale });
    const silent = sourcesCh(T0 - 30_000);
    expect(themeFreshness('water', fresh, vitalsSnap({ themes: themes() }), silent, T0).reason).toContain(
      REASONS.feedSilent,
    );
    expect(themeFreshness('hotline', fresh, vitalsSnap({ themes: themes() }), silent, T0).fresh).toBe(true);
  });
});

describe('hotline KPIs by REST', () => {
  const kpis: HotlineKpis = { level: 'city', period: 'rolling-24h', asOf: iso(T0), areas: [] };
  const rest = (over: Partial<RestState<HotlineKpis>> = {}): RestState<HotlineKpis> => ({
    data: kpis,
    okAt: T0,
    error: null,
    ...over,
  });
  const ok = sourcesCh(T0);
  it('fresh after a recent fetch with the socket up; stale, unreachable, no data otherwise', () => {
    expect(hotlineKpisFreshness(rest(), true, ok, T0 + 5_000, 30_000)).toEqual({
      fresh: true,
      reason: null,
      ageMs: 5_000,
    });
    expect(hotlineKpisFreshness(rest(), true, ok, T0 + 31_000, 30_000).reason).toBe(REASONS.stale);
    expect(hotlineKpisFreshness(rest({ error: 'network' }), true, ok, T0 + 31_000, 30_000).reason).toBe(
      REASONS.unreachable,
    );
    expect(hotlineKpisFreshness(rest(), false, ok, T0, 30_000).reason).toBe(REASONS.unreachable);
    expect(hotlineKpisFreshness(rest({ data: null, okAt: null }), true, ok, T0, 30_000).reason).toBe(
      REASONS.connecting,
    );
    expect(
      hotlineKpisFreshness(rest({ data: null, okAt: null, error: 'HTTP 500' }), true, ok, T0, 30_000).reason,
    ).toContain('HTTP 500');
    expect(hotlineKpisFreshness(rest({ data: null, okAt: null, error: 'HTTP 404' }), true, ok, T0, 30_000).reason).toBe(
      REASONS.noData,
    );
    expect(hotlineKpisFreshness(rest({ data: { ...kpis, asOf: null } }), true, ok, T0, 30_000).reason).toBe(
      REASONS.noData,
    );
  });
  it('the hotline source silent: the KPIs say feed silent', () => {
    const silent = sourcesCh(T0);
    silent.data!.sources['hotline-12345']!.lastEventAt = iso(T0 - 60_000);
    expect(hotlineKpisFreshness(rest(), true, silent, T0, 30_000).reason).toBe(`${REASONS.feedSilent}: hotline-12345`);
  });
});

describe('cases freshness', () => {
  const cases = (currentAt: string | null, over: Partial<ChannelState<CasesChannelState>> = {}) =>
    ({
      data: { currentAt, cases: {}, byState: {}, overdue: 0 } as unknown as CasesChannelState,
      seq: 1,
      synced: true,
      connected: true,
      gaps: 0,
      resyncsSent: 0,
      ...over,
    }) as ChannelState<CasesChannelState>;
  it('fresh within 15 s of the desk confirming its picture; reasons otherwise', () => {
    expect(casesFreshness(cases(iso(T0)), T0 + 14_000)).toEqual({ fresh: true, reason: null, ageMs: 14_000 });
    expect(casesFreshness(cases(iso(T0)), T0 + 16_000).reason).toBe(REASONS.stale);
    expect(casesFreshness(cases(null), T0).reason).toBe(REASONS.stale);
    expect(casesFreshness(cases(iso(T0), { connected: false, synced: false }), T0).reason).toBe(REASONS.unreachable);
  });
});
