import type {
  AlertView,
  AlertsChannelState,
  CasesChannelState,
  SourceHealthView,
  SourcesChannelState,
  ThemeId,
  ThemesSnapshot,
  VitalsSnapshot,
} from '@cityops/schema';
import type { ChannelState } from './channel-feed.js';
import type { RestState } from './rest-poll.js';
import type { FeedState, FeedView } from './vitals-feed.js';

/** How fresh one widget's data is, and, when not, why (shown on the widget). */
export interface Freshness {
  fresh: boolean;
  /** short bilingual reason when not fresh */
  reason: string | null;
  /** age of the data in ms (server clock), or null when there is none */
  ageMs: number | null;
}

/** a channel whose last "current" stamp is older than this is stale */
export const CHANNEL_STALE_AFTER_MS = 10_000;
/** the alert desk re-reads every case every 5 s; past this the cases widget is stale */
export const CASES_STALE_AFTER_MS = 15_000;
/** the themes' event time may lag the vitals' watermark by this much before they are called behind */
export const THEMES_BEHIND_MS = 120_000;

/**
 * The reasons a widget gives when its data is not current (decision 13). One wording for the whole
 * wall, Chinese first: tests and people read `data-stale-reason`.
 */
export const REASONS = {
  connecting: '连接中 connecting',
  unreachable: '网关不可达 gateway unreachable',
  notSynced: '未同步 not synced',
  rebuilding: '重建中 rebuilding',
  stale: '数据滞后 stale',
  noData: '尚无数据 no data',
  feedSilent: '数据源静默 feed silent',
} as const;

const FRESH = (ageMs: number | null): Freshness => ({ fresh: true, reason: null, ageMs });
const NOT = (reason: string, ageMs: number | null): Freshness => ({ fresh: false, reason, ageMs });

/** The link part every socket-fed widget shares: up, and this connection's snapshot applied. */
function linkReason(ch: { synced: boolean; connected?: boolean; data: unknown }): string | null {
  if (ch.connected === false) return ch.data === null ? REASONS.connecting : REASONS.unreachable;
  if (!ch.synced) return ch.data === null ? REASONS.connecting : REASONS.notSynced;
  return null;
}

/**
 * The vitals figures (totals, by district, trend, map): current only when the socket is up, this
 * connection's snapshot is in, the aggregator is not rebuilding and its last batch is less than
 * the feed's staleAfterMs old on the server's clock. `view` is `feed.view(now)`.
 */
export function vitalsFreshness(state: FeedState, view: FeedView): Freshness {
  const ageMs = view.ageMs;
  if (state.transport !== 'connected')
    return NOT(state.everSynced || state.vitals ? REASONS.unreachable : REASONS.connecting, ageMs);
  if (state.awaitingSnapshot) return NOT(state.everSynced ? REASONS.notSynced : REASONS.connecting, ageMs);
  if (!state.vitals || ageMs === null) return NOT(REASONS.noData, ageMs);
  if (state.vitals.rebuilding) return NOT(REASONS.rebuilding, ageMs);
  if (view.stale) return NOT(REASONS.stale, ageMs);
  return FRESH(ageMs);
}

/** The sources (by row name) that sent events of `type`, as the gateway saw them; [] when unknown. */
export function feedersOf(type: string, sources: SourcesChannelState | null): string[] {
  if (!sources) return [];
  return Object.entries(sources.sources)
    .filter(([, v]) => v.types?.includes(type))
    .map(([name]) => name);
}

/**
 * One event type's figures (e.g. the sensor readings): the vitals' freshness, and then feed
 * silent when every source known to send this type has gone silent (the sources channel): a
 * feed that stopped is marked silent, never drawn as a current zero. When the gateway does not
 * know which sources send the type (no `types` on any row) only the vitals' freshness applies.
 */
export function typeFreshness(
  type: string,
  vitals: Freshness,
  sources: ChannelState<SourcesChannelState>,
  serverNow: number,
): Freshness {
  if (!vitals.fresh) return vitals;
  const feeders = feedersOf(type, sources.data);
  if (feeders.length === 0 || !sources.data) return vitals;
  const rows = sourceRows(sources.data, serverNow).filter((r) => feeders.includes(r.name));
  if (rows.every((r) => r.silent)) return NOT(`${REASONS.feedSilent}: ${feeders.join(', ')}`, vitals.ageMs);
  return vitals;
}

/** typeFreshness for each of `types`, keyed by type (for a panel of per-type figures) */
export function typesFreshness(
  types: readonly string[],
  vitals: Freshness,
  sources: ChannelState<SourcesChannelState>,
  serverNow: number,
): Record<string, Freshness> {
  return Object.fromEntries(types.map((t) => [t, typeFreshness(t, vitals, sources, serverNow)]));
}

/** the event types each theme's figures are folded from (packages/schema/src/themes.ts) */
export const THEME_TYPES: Record<ThemeId, readonly string[]> = {
  traffic: ['sensor.reading'],
  water: ['sensor.reading'],
  lighting: ['sensor.reading'],
  environment: ['sensor.reading'],
  devices: ['sensor.reading'],
  logistics: ['delivery.vehicle'],
  hotline: ['hotline.ticket'],
};

/** true when the area has at least one figure of the theme (`<theme>.<metric>[:qualifier]`) */
export function themeHasValues(themes: ThemesSnapshot | undefined, theme: ThemeId, areaId?: string): boolean {
  if (!themes) return false;
  const area = areaId === undefined ? themes.city : (themes.byDistrict[areaId] ?? themes.byStreet[areaId]);
  return !!area && Object.keys(area.values).some((k) => k.startsWith(`${theme}.`));
}

/**
 * One theme's figures (vitals.themes, issue 11): the vitals' freshness; then no data while the
 * themes are absent or carry no figure of this theme (the widget draws `—`); behind when their
 * event time lags the vitals' watermark by more than THEMES_BEHIND_MS; then feed silent when every
 * source of the theme's event types is silent.
 */
export function themeFreshness(
  theme: ThemeId,
  vitals: Freshness,
  v: VitalsSnapshot | null,
  sources: ChannelState<SourcesChannelState>,
  serverNow: number,
  areaId?: string,
): Freshness {
  if (!vitals.fresh) return vitals;
  const themes = v?.themes;
  if (!themes || !themeHasValues(themes, theme, areaId)) return NOT(REASONS.noData, vitals.ageMs);
  const behind = v?.asOf ? Date.parse(v.asOf) - Date.parse(themes.asOf) : NaN;
  if (!Number.isFinite(behind)) return NOT(REASONS.noData, vitals.ageMs);
  if (behind > THEMES_BEHIND_MS) return NOT(REASONS.stale, (vitals.ageMs ?? 0) + behind);
  for (const type of THEME_TYPES[theme]) {
    const f = typeFreshness(type, vitals, sources, serverNow);
    if (!f.fresh) return f;
  }
  return vitals;
}

/**
 * Figures fetched by REST (the 接诉即办 KPIs, `GET /api/v1/hotline/kpis`): current when the last
 * fetch worked less than `staleAfterMs` ago (server clock) and the socket is up (a wall without
 * its gateway says so even if a fetch just worked); no data before the first ticket (`asOf`
 * null) or while the route answers 404; feed silent when the hotline's sources are.
 */
export function hotlineKpisFreshness(
  rest: RestState<{ asOf: string | null }>,
  socketUp: boolean,
  sources: ChannelState<SourcesChannelState>,
  serverNow: number,
  staleAfterMs: number,
): Freshness {
  const ageMs = rest.okAt === null ? null : Math.max(0, serverNow - rest.okAt);
  if (!socketUp) return NOT(rest.data === null ? REASONS.connecting : REASONS.unreachable, ageMs);
  if (rest.data === null) {
    if (rest.error === null) return NOT(REASONS.connecting, ageMs);
    if (rest.error === 'HTTP 404') return NOT(REASONS.noData, ageMs);
    if (rest.error === 'network') return NOT(REASONS.unreachable, ageMs);
    return NOT(`读取失败 read failed (${rest.error})`, ageMs);
  }
  if (ageMs === null || ageMs > staleAfterMs)
    return NOT(rest.error === 'network' ? REASONS.unreachable : REASONS.stale, ageMs);
  if (rest.data.asOf === null) return NOT(REASONS.noData, ageMs);
  const silent = typeFreshness('hotline.ticket', FRESH(ageMs), sources, serverNow);
  return silent.fresh ? FRESH(ageMs) : silent;
}

/** The cases widget: synced, the desk readable, and its picture confirmed within CASES_STALE_AFTER_MS. */
export function casesFreshness(ch: ChannelState<CasesChannelState>, serverNow: number): Freshness {
  const d = ch.data;
  const ageMs = ageOf(d?.currentAt, serverNow);
  const link = linkReason(ch);
  if (link) return NOT(link, ageMs);
  if (!d) return NOT(REASONS.noData, ageMs);
  if (d.error) return NOT('案件读取失败 cases unreadable', ageMs);
  if (ageMs === null || ageMs > CASES_STALE_AFTER_MS) return NOT(REASONS.stale, ageMs);
  return FRESH(ageMs);
}
/** a new critical alert flashes across the screen at most this long, unless acknowledged sooner */
export const CRITICAL_FLASH_MS = 60_000;

const ageOf = (iso: string | null | undefined, serverNow: number): number | null => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? Math.max(0, serverNow - t) : null;
};

/**
 * The alerts widget is fresh only when the socket is up, this connection's snapshot is applied,
 * the gateway is not rebuilding its picture from the topic, and it knew it had read the topic to
 * its end less than CHANNEL_STALE_AFTER_MS ago. An empty list is only "no alerts" when fresh.
 */
export function alertsFreshness(ch: ChannelState<AlertsChannelState>, serverNow: number): Freshness {
  const d = ch.data;
  const ageMs = ageOf(d?.currentAt, serverNow);
  const link = linkReason(ch);
  if (link) return NOT(link, ageMs);
  if (!d) return NOT(REASONS.noData, ageMs);
  if (d.error) return NOT('告警流读取失败 alert feed unreadable', ageMs);
  if (d.rebuilding) return NOT(REASONS.rebuilding, ageMs);
  if (ageMs === null) return NOT('尚未确认 not confirmed yet', ageMs);
  if (ageMs > CHANNEL_STALE_AFTER_MS) return NOT(`${REASONS.stale} 告警流 alert feed behind`, ageMs);
  return FRESH(ageMs);
}

/** The sources panel is fresh when synced and the health was read less than CHANNEL_STALE_AFTER_MS ago. */
export function sourcesFreshness(ch: ChannelState<SourcesChannelState>, serverNow: number): Freshness {
  const d = ch.data;
  const ageMs = ageOf(d?.readAt, serverNow);
  const link = linkReason(ch);
  if (link) return NOT(link, ageMs);
  if (!d || !d.available) return NOT('本网关未接入数据源健康 no source health here', ageMs);
  if (d.error) return NOT('健康信息读取失败 health unreadable', ageMs);
  if (ageMs === null || ageMs > CHANNEL_STALE_AFTER_MS) return NOT(REASONS.stale, ageMs);
  return FRESH(ageMs);
}

export interface SourceRow {
  name: string;
  view: SourceHealthView;
  /** silent: no accepted event within silentAfterMs (or never): its rate is not shown as a number */
  silent: boolean;
  /** ms since the last accepted event, null when never */
  lastSeenMs: number | null;
  /** rejected / (accepted + rejected), in percent; null when nothing came */
  rejectedPct: number | null;
}

export function sourceRows(d: SourcesChannelState | null, serverNow: number): SourceRow[] {
  if (!d) return [];
  return Object.entries(d.sources).map(([name, view]) => {
    const lastSeenMs = ageOf(view.lastEventAt, serverNow);
    const acc = view.accepted ?? 0;
    const rej = view.rejected ?? 0;
    return {
      name,
      view,
      silent: lastSeenMs === null || lastSeenMs > view.silentAfterMs,
      lastSeenMs,
      rejectedPct:
        view.accepted === undefined && view.rejected === undefined
          ? null
          : acc + rej === 0
            ? null
            : (100 * rej) / (acc + rej),
    };
  });
}

/**
 * The rows in the panel's order: sources that sent and went silent first (a feed that died), then
 * the live ones, then those never heard from (configured, not yet sending), each by name; so a
 * short panel shows what matters and a live feed is not pushed off by idle configured ones.
 */
export function orderedSourceRows(d: SourcesChannelState | null, serverNow: number): SourceRow[] {
  const rank = (r: SourceRow): number => (r.lastSeenMs === null ? 2 : r.silent ? 0 : 1);
  return sourceRows(d, serverNow).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

const RANK = { info: 0, minor: 1, major: 2, critical: 3 } as const;

/** Open alerts first (most severe, then newest), then cleared ones (newest first). */
export function sortedAlerts(d: AlertsChannelState | null): AlertView[] {
  if (!d) return [];
  return Object.values(d.alerts).sort((a, b) => {
    const ca = a.state === 'cleared' ? 1 : 0;
    const cb = b.state === 'cleared' ? 1 : 0;
    if (ca !== cb) return ca - cb;
    if (ca === 1) return (b.clearedAt ?? '').localeCompare(a.clearedAt ?? '');
    return RANK[b.severity] - RANK[a.severity] || b.raisedAt.localeCompare(a.raisedAt);
  });
}

/**
 * The critical alerts that must flash across the room: open, critical, raised (as the gateway
 * received it) less than CRITICAL_FLASH_MS ago on the server's clock, and not acknowledged on
 * this screen. Newest first.
 */
export function flashingCriticals(
  d: AlertsChannelState | null,
  acknowledged: ReadonlySet<string>,
  serverNow: number,
): AlertView[] {
  if (!d) return [];
  return Object.values(d.alerts)
    .filter((a) => a.severity === 'critical' && a.state !== 'cleared' && !acknowledged.has(a.alertId))
    .filter((a) => {
      const age = ageOf(a.raisedAt, serverNow);
      return age !== null && age < CRITICAL_FLASH_MS;
    })
    .sort((a, b) => b.raisedAt.localeCompare(a.raisedAt));
}
