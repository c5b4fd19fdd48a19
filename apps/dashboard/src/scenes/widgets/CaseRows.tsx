import type { CasesChannelState, CaseSummaryView } from '@cityops/schema';
import { alertTypeLabel, SEVERITY_LABELS } from '../../alert-labels.js';
import { Widget } from '../../components/Widget.js';
import type { Freshness } from '../../feed/wall-state.js';
import { formatAge, formatCount } from '../../format.js';

const RANK = { info: 0, minor: 1, major: 2, critical: 3 } as const;
const STATE_ZH: Record<string, string> = {
  raised: '待确认',
  acknowledged: '已确认',
  dispatched: '已吹哨',
  on_site: '已报到',
  resolved: '已办结',
  closed: '已关闭',
  clear_pending: '待消除',
  merged: '已合并',
};

export const isOpenCase = (c: CaseSummaryView): boolean => c.state !== 'closed' && c.state !== 'merged';
export const isLate = (c: CaseSummaryView, serverNow: number): boolean =>
  c.overdue || (c.nextDueAt !== undefined && Date.parse(c.nextDueAt) < serverNow);

/** Open cases: overdue first, then by severity, then the oldest. */
export function openCases(d: CasesChannelState | null, serverNow: number): CaseSummaryView[] {
  return Object.values(d?.cases ?? {})
    .filter(isOpenCase)
    .sort(
      (a, b) =>
        Number(isLate(b, serverNow)) - Number(isLate(a, serverNow)) ||
        RANK[b.severity] - RANK[a.severity] ||
        a.raisedAt.localeCompare(b.raisedAt),
    );
}

/** A list of cases (open ones, or only the overdue ones) with state, lead department and age. */
export function CaseRows({
  name,
  title,
  cases,
  freshness,
  serverNow,
  max = 12,
}: {
  name: string;
  title: { zh: string; en: string };
  cases: CaseSummaryView[];
  freshness: Freshness;
  serverNow: number;
  max?: number;
}) {
  const rows = cases.slice(0, max);
  return (
    <Widget
      name={name}
      className="case-list"
      freshness={freshness}
      title={{ ...title, note: freshness.fresh ? `${formatCount(cases.length)} 件` : '—' }}
      attrs={{ 'data-count': freshness.fresh ? String(cases.length) : '' }}
    >
      {rows.length === 0 ? <div className="empty">{freshness.fresh ? '无 · None' : '—'}</div> : null}
      <ol className="alert-rows">
        {rows.map((c) => {
          const late = isLate(c, serverNow);
          const due = c.nextDueAt ? Date.parse(c.nextDueAt) - serverNow : NaN;
          return (
            <li
              key={c.id}
              className={`alert-row sev-${c.severity}${late ? ' is-late' : ''}`}
              data-case-id={c.id}
              data-state={c.state}
              data-overdue={String(late)}
            >
              <span className="alert-sev">
                <span className="zh">{SEVERITY_LABELS[c.severity].zh}</span>
                <span className="en">{STATE_ZH[c.state] ?? c.state}</span>
              </span>
              <span className="alert-what">
                <span className="zh">{alertTypeLabel(c.type).zh}</span>
                <span className="en">{c.archiveNo ?? ''}</span>
                <span className="alert-place">
                  {[c.district?.zh ?? c.districtId, c.street?.zh, c.lead].filter(Boolean).join(' · ')}
                </span>
              </span>
              <span className="alert-when">
                <span className="alert-state">
                  {late ? '超时 OVERDUE' : Number.isFinite(due) ? `剩 ${formatAge(due)}` : ''}
                </span>
                <span className="alert-age">{formatAge(Math.max(0, serverNow - Date.parse(c.raisedAt)))}</span>
              </span>
            </li>
          );
        })}
      </ol>
      {cases.length > rows.length ? (
        <div className="more">另有 {formatCount(cases.length - rows.length)} 件 more</div>
      ) : null}
    </Widget>
  );
}
