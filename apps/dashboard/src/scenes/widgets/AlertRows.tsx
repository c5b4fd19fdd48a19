import type { AlertView } from '@cityops/schema';
import { alertTypeLabel, SEVERITY_LABELS, STATE_LABELS } from '../../alert-labels.js';
import { placeText } from '../../components/AlertList.js';
import { Widget } from '../../components/Widget.js';
import type { Freshness } from '../../feed/wall-state.js';
import { formatAge, formatCount } from '../../format.js';

const ageFrom = (iso: string | undefined, now: number) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? formatAge(Math.max(0, now - t)) : '—';
};

/**
 * Open alerts of some types (the scenes' own lists: sensor alarms, blockages), most severe
 * first. An empty list reads "none" only when the alerts channel is current, `—` otherwise.
 */
export function AlertRows({
  name,
  title,
  alerts,
  freshness,
  serverNow,
  max = 10,
}: {
  name: string;
  title: { zh: string; en: string };
  /** already filtered and sorted */
  alerts: AlertView[];
  freshness: Freshness;
  serverNow: number;
  max?: number;
}) {
  const rows = alerts.slice(0, max);
  return (
    <Widget
      name={name}
      className="alert-list scene-alerts"
      freshness={freshness}
      title={{ ...title, note: freshness.fresh ? `${formatCount(alerts.length)} 起 open` : '—' }}
      attrs={{ 'data-open': freshness.fresh ? String(alerts.length) : '' }}
    >
      {rows.length === 0 ? <div className="empty">{freshness.fresh ? '当前无告警 · None open' : '—'}</div> : null}
      <ol className="alert-rows">
        {rows.map((a) => {
          const place = placeText(a);
          const t = alertTypeLabel(a.type);
          return (
            <li
              key={a.alertId}
              className={`alert-row sev-${a.severity}`}
              data-alert-id={a.alertId}
              data-type={a.type}
              data-severity={a.severity}
            >
              <span className="alert-sev">
                <span className="zh">{SEVERITY_LABELS[a.severity].zh}</span>
                <span className="en">{SEVERITY_LABELS[a.severity].en}</span>
              </span>
              <span className="alert-what">
                <span className="zh">{t.zh}</span> <span className="en">{t.en}</span>
                <span className="alert-place">{place.zh}</span>
              </span>
              <span className="alert-when">
                <span className="alert-state">{STATE_LABELS[a.state].zh}</span>
                <span className="alert-age">{ageFrom(a.raisedAt, serverNow)}</span>
              </span>
            </li>
          );
        })}
      </ol>
      {alerts.length > rows.length ? (
        <div className="more">另有 {formatCount(alerts.length - rows.length)} 条 more</div>
      ) : null}
    </Widget>
  );
}

export interface Hotspot {
  key: string;
  zh: string;
  open: number;
  worst: AlertView['severity'];
  latestAt: string;
}

const RANK = { info: 0, minor: 1, major: 2, critical: 3 } as const;

/** Blockage hotspots: open road_blockage alerts grouped by road (or street), most first. */
export function hotspotsOf(alerts: AlertView[]): Hotspot[] {
  const by = new Map<string, Hotspot>();
  for (const a of alerts) {
    if (a.type !== 'road_blockage' || a.state === 'cleared') continue;
    const key = a.roadSegmentId ?? a.streetId ?? a.districtId;
    const zh = [a.road?.zh, a.street?.zh ?? a.district?.zh].filter(Boolean).join(' · ') || key;
    const h = by.get(key);
    if (!h) by.set(key, { key, zh, open: 1, worst: a.severity, latestAt: a.raisedAt });
    else {
      h.open++;
      if (RANK[a.severity] > RANK[h.worst]) h.worst = a.severity;
      if (a.raisedAt > h.latestAt) h.latestAt = a.raisedAt;
    }
  }
  return [...by.values()].sort(
    (x, y) => y.open - x.open || RANK[y.worst] - RANK[x.worst] || y.latestAt.localeCompare(x.latestAt),
  );
}

export function BlockageHotspots({
  alerts,
  freshness,
  serverNow,
  max = 8,
}: {
  alerts: AlertView[];
  freshness: Freshness;
  serverNow: number;
  max?: number;
}) {
  const spots = hotspotsOf(alerts);
  return (
    <Widget
      name="blockage-hotspots"
      className="hotspots"
      freshness={freshness}
      title={{ zh: '卸货堵路热点', en: 'Blockage hotspots', note: '快递占道 road_blockage' }}
      attrs={{ 'data-hotspots': freshness.fresh ? String(spots.length) : '' }}
    >
      {spots.length === 0 ? <div className="empty">{freshness.fresh ? '当前无堵路 · None open' : '—'}</div> : null}
      <ol className="board-rows">
        {spots.slice(0, max).map((h, i) => (
          <li key={h.key} className={`board-row sev-${h.worst}`} data-hotspot={h.key}>
            <span className="board-rank">{i + 1}</span>
            <span className="board-name">{h.zh}</span>
            <span className="board-score">
              {h.open} 起 · {ageFrom(h.latestAt, serverNow)}
            </span>
          </li>
        ))}
      </ol>
    </Widget>
  );
}
