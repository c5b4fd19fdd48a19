import type { AlertView } from '@cityops/schema';
import { alertTypeLabel } from '../alert-labels.js';
import { formatAge } from '../format.js';
import { placeText } from './AlertList.js';

interface CriticalAlertProps {
  /** the critical alerts to flash (open, new, not acknowledged), newest first */
  alerts: AlertView[];
  fresh: boolean;
  serverNow: number;
  onAcknowledge: (alertIds: string[]) => void;
}

/**
 * A new critical alert across the whole width of the wall, flashing, until it is acknowledged on
 * this screen or 60 s have passed since the gateway received it (no sound). The root is always
 * there (`data-active`), so a test and an operator can tell "nothing critical" from "not drawn".
 */
export function CriticalAlert({ alerts, fresh, serverNow, onAcknowledge }: CriticalAlertProps) {
  const top = alerts[0];
  if (!top)
    return (
      <div
        className="critical-alert is-idle"
        data-widget="critical-alert"
        data-fresh={String(fresh)}
        data-active="false"
      />
    );
  const t = alertTypeLabel(top.type);
  const place = placeText(top);
  const age = formatAge(Math.max(0, serverNow - Date.parse(top.raisedAt)));
  return (
    <div
      className="critical-alert is-active"
      role="alert"
      data-widget="critical-alert"
      data-fresh={String(fresh)}
      data-active="true"
      data-alert-id={top.alertId}
    >
      <div className="critical-flash" aria-hidden="true" />
      <div className="critical-body">
        <div className="critical-kicker">
          特别严重告警 <span className="en">CRITICAL ALERT</span>
          {alerts.length > 1 ? <span className="critical-more"> +{alerts.length - 1}</span> : null}
        </div>
        <div className="critical-title">
          {t.zh} · {place.zh}
        </div>
        <div className="critical-sub">
          {t.en} · {place.en} · {top.summary.zh} · {age}
        </div>
      </div>
      <button
        type="button"
        className="critical-ack"
        data-testid="critical-ack"
        onClick={() => onAcknowledge(alerts.map((a) => a.alertId))}
      >
        确认 <span className="en">Acknowledge</span>
      </button>
    </div>
  );
}
