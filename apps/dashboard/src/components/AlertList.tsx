import { memo } from 'react';
import type { AlertView, AlertsChannelState } from '@cityops/schema';
import { alertTypeLabel, SEVERITY_LABELS, STATE_LABELS } from '../alert-labels.js';
import { formatAge, formatCount } from '../format.js';
import type { Freshness } from '../feed/wall-state.js';
import { sortedAlerts } from '../feed/wall-state.js';
import { Widget } from './Widget.js';

interface AlertListProps {
  data: AlertsChannelState | null;
  freshness: Freshness;
  /** server-clock now, for ages */
  serverNow: number;
  /** rows shown at most */
  max?: number;
}

export function placeText(a: AlertView): { zh: string; en: string } {
  const zh = [a.district?.zh ?? a.districtId, a.street?.zh, a.road?.zh].filter(Boolean).join(' · ');
  const en = [a.district?.en ?? a.districtId, a.street?.en, a.road?.en].filter(Boolean).join(' · ');
  return { zh, en };
}

const ageFrom = (iso: string | undefined, now: number) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? formatAge(Math.max(0, now - t)) : '—';
};

/**
 * The live alert list: type, severity, place (district · street · road), age and state, open
 * alerts first by severity. Stale (greyed, with the reason) whenever the alerts channel is not
 * known to be current: an empty list then means "unknown", not "no alerts".
 */
export const AlertList = memo(function AlertList({ data, freshness, serverNow, max = 12 }: AlertListProps) {
  const rows = sortedAlerts(data).slice(0, max);
  const open = data?.open ?? null;
  const hidden = data ? Math.max(0, Object.keys(data.alerts).length - rows.length) + data.notShown : 0;
  return (
    <Widget
      name="alert-list"
      className="alert-list"
      freshness={freshness}
      title={{ zh: '实时告警', en: 'Live alerts', note: open === null ? '—' : `${formatCount(open)} 起 open` }}
      attrs={{ 'data-open': open === null ? '' : String(open) }}
    >
      {data && rows.length === 0 ? (
        <div className="empty">{freshness.fresh ? '当前无告警 · No open alerts' : '—'}</div>
      ) : null}
      <ol className="alert-rows">
        {rows.map((a) => {
          const place = placeText(a);
          const t = alertTypeLabel(a.type);
          const cleared = a.state === 'cleared';
          return (
            <li
              key={a.alertId}
              className={`alert-row sev-${a.severity}${cleared ? ' is-cleared' : ''}`}
              data-alert-id={a.alertId}
              data-type={a.type}
              data-severity={a.severity}
              data-state={a.state}
            >
              <span className="alert-sev">
                <span className="zh">{SEVERITY_LABELS[a.severity].zh}</span>
                <span className="en">{SEVERITY_LABELS[a.severity].en}</span>
              </span>
              <span className="alert-what">
                <span className="zh">{t.zh}</span> <span className="en">{t.en}</span>
                <span className="alert-place" title={place.en}>
                  {place.zh}
                </span>
              </span>
              <span className="alert-when">
                <span className="alert-state">
                  {STATE_LABELS[a.state].zh} {STATE_LABELS[a.state].en}
                </span>
                <span className="alert-age">{ageFrom(cleared ? a.clearedAt : a.raisedAt, serverNow)}</span>
              </span>
            </li>
          );
        })}
      </ol>
      {hidden > 0 ? (
        <div className="more">
          另有 {formatCount(hidden)} 条 · {formatCount(hidden)} more
        </div>
      ) : null}
    </Widget>
  );
});
