import type { AlertView, AlertsChannelState, SourceHealthView, SourcesChannelState } from '@cityops/schema';
import type { ChannelState } from './channel-feed.js';

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
  if (!ch.synced) return { fresh: false, reason: d ? '未同步 not synced' : '连接中 connecting', ageMs };
  if (!d) return { fresh: false, reason: '无数据 no data', ageMs };
  if (d.error) return { fresh: false, reason: '告警流读取失败 alert feed unreadable', ageMs };
  if (d.rebuilding) return { fresh: false, reason: '重建中 rebuilding', ageMs };
  if (ageMs === null) return { fresh: false, reason: '尚未确认 not confirmed yet', ageMs };
  if (ageMs > CHANNEL_STALE_AFTER_MS) return { fresh: false, reason: '告警流滞后 alert feed behind', ageMs };
  return { fresh: true, reason: null, ageMs };
}

/** The sources panel is fresh when synced and the health was read less than CHANNEL_STALE_AFTER_MS ago. */
export function sourcesFreshness(ch: ChannelState<SourcesChannelState>, serverNow: number): Freshness {
  const d = ch.data;
  const ageMs = ageOf(d?.readAt, serverNow);
  if (!ch.synced) return { fresh: false, reason: d ? '未同步 not synced' : '连接中 connecting', ageMs };
  if (!d || !d.available) return { fresh: false, reason: '本网关未接入数据源健康 no source health here', ageMs };
  if (d.error) return { fresh: false, reason: '健康信息读取失败 health unreadable', ageMs };
  if (ageMs === null || ageMs > CHANNEL_STALE_AFTER_MS) return { fresh: false, reason: '数据滞后 stale', ageMs };
  return { fresh: true, reason: null, ageMs };
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
