import type { CaseSummaryView } from '@cityops/schema';
import { STEP_LABEL, clockText, runningClock } from '../model.js';

/** The live deadline clock of a case's running step; overdue is red, flashing and says so in words. */
export function Clock({ c, serverNow }: { c: Pick<CaseSummaryView, 'clocks' | 'overdue'>; serverNow: number }) {
  const k = runningClock(c);
  if (!k) return <span className="clock clock-none">—</span>;
  const t = clockText(k.dueAt, serverNow, k.overdue);
  const [zh, en] = STEP_LABEL[k.step];
  return (
    <span className={`clock ${t.overdue ? 'clock-overdue' : ''}`} data-testid="clock" data-overdue={t.overdue}>
      {t.overdue && <b className="overdue-tag">超时 OVERDUE</b>}
      <span className="clock-step">
        {zh}
        {k.departmentId ? ` ${k.departmentId}` : ''} <span className="en">{en}</span>
      </span>
      <span className="clock-time">{t.text}</span>
    </span>
  );
}
