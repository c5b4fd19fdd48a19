import { memo } from 'react';
import type { CasesChannelState, CaseSummaryView } from '@cityops/schema';
import { PanelTitle } from './PanelTitle.js';

/** the desk re-reads every case every 5 s; past this the widget says it is stale */
const CASES_STALE_AFTER_MS = 15_000;

const STATES: Array<[keyof CasesChannelState['byState'], string, string]> = [
  ['raised', '待确认', 'Raised'],
  ['acknowledged', '已确认', 'Ack'],
  ['dispatched', '已吹哨', 'Dispatched'],
  ['on_site', '已报到', 'On site'],
  ['resolved', '已办结', 'Resolved'],
  ['closed', '已关闭', 'Closed'],
];

export function casesFreshness(
  synced: boolean,
  data: CasesChannelState | null,
  serverNow: number,
): { fresh: boolean; reason: string | null } {
  if (!synced) return { fresh: false, reason: data ? '未同步 not synced' : '连接中 connecting' };
  if (!data) return { fresh: false, reason: '无案件数据 no case data' };
  if (data.error) return { fresh: false, reason: '案件读取失败 cases unreadable' };
  const at = data.currentAt ? Date.parse(data.currentAt) : NaN;
  if (!Number.isFinite(at) || serverNow - at > CASES_STALE_AFTER_MS) return { fresh: false, reason: '数据滞后 stale' };
  return { fresh: true, reason: null };
}

const late = (c: CaseSummaryView, serverNow: number) =>
  c.overdue || (c.nextDueAt !== undefined && Date.parse(c.nextDueAt) < serverNow);

/**
 * 案件态势 cases on the wall (issue 10 part 6): how many cases are in each state of the closed
 * loop, and the overdue ones, red and named, so none is missed from across the room. A figure the
 * wall does not have reads `—`, never 0.
 */
export const CasesPanel = memo(function CasesPanel({
  data,
  synced,
  serverNow,
}: {
  data: CasesChannelState | null;
  synced: boolean;
  serverNow: number;
}) {
  const f = casesFreshness(synced, data, serverNow);
  const overdue = Object.values(data?.cases ?? {})
    .filter((c) => c.state !== 'closed' && c.state !== 'merged' && late(c, serverNow))
    .sort((a, b) => (a.nextDueAt ?? '').localeCompare(b.nextDueAt ?? ''));
  const overdueCount = data ? Math.max(data.overdue, overdue.length) : null;
  return (
    <section
      className={`panel cases-panel${f.fresh ? '' : ' is-stale'}`}
      data-widget="cases-panel"
      data-fresh={String(f.fresh)}
      data-overdue={overdueCount ?? ''}
    >
      <PanelTitle zh="案件态势" en="Cases" note="吹哨报到闭环" />
      {f.fresh ? null : <div className="widget-stale">{f.reason}</div>}
      <div className="case-states">
        {STATES.map(([s, zh, en]) => (
          <div key={s} className="case-state" data-state={s}>
            <b>{data ? data.byState[s] : '—'}</b>
            <span>
              {zh} <span className="en">{en}</span>
            </span>
          </div>
        ))}
        <div className={`case-state case-overdue${overdueCount ? ' is-alarm' : ''}`} data-state="overdue">
          <b>{overdueCount ?? '—'}</b>
          <span>
            超时 <span className="en">Overdue</span>
          </span>
        </div>
      </div>
      {overdue.slice(0, 3).map((c) => (
        <div key={c.id} className="case-overdue-row" data-case-id={c.id}>
          超时 OVERDUE · {c.summary.zh} · {c.district?.zh ?? c.districtId}
          {c.lead ? ` · ${c.lead}` : ''}
        </div>
      ))}
    </section>
  );
});
