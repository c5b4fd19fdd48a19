import { memo } from 'react';
import type { CasesChannelState, CaseSummaryView } from '@cityops/schema';
import { casesFreshness, type Freshness } from '../feed/wall-state.js';
import { Widget } from './Widget.js';

const STATES: Array<[keyof CasesChannelState['byState'], string, string]> = [
  ['raised', '待确认', 'Raised'],
  ['acknowledged', '已确认', 'Ack'],
  ['dispatched', '已吹哨', 'Dispatched'],
  ['on_site', '已报到', 'On site'],
  ['resolved', '已办结', 'Resolved'],
  ['closed', '已关闭', 'Closed'],
];

/**
 * The cases' freshness (wall-state's rule) from the channel's parts; kept for callers that pass
 * `synced` and `data` only (the socket then counts as up).
 */
export function casesFreshnessOf(
  synced: boolean,
  data: CasesChannelState | null,
  serverNow: number,
  connected?: boolean,
): Freshness {
  return casesFreshness(
    { data, synced, seq: null, gaps: 0, resyncsSent: 0, ...(connected === undefined ? {} : { connected }) },
    serverNow,
  );
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
  freshness,
}: {
  data: CasesChannelState | null;
  synced: boolean;
  serverNow: number;
  /** the channel's freshness (wall-state's casesFreshness); computed from `synced` when absent */
  freshness?: Freshness;
}) {
  const f = freshness ?? casesFreshnessOf(synced, data, serverNow);
  const overdue = Object.values(data?.cases ?? {})
    .filter((c) => c.state !== 'closed' && c.state !== 'merged' && late(c, serverNow))
    .sort((a, b) => (a.nextDueAt ?? '').localeCompare(b.nextDueAt ?? ''));
  const overdueCount = data ? Math.max(data.overdue, overdue.length) : null;
  return (
    <Widget
      name="cases-panel"
      className="cases-panel"
      freshness={f}
      title={{ zh: '案件态势', en: 'Cases', note: '吹哨报到闭环' }}
      attrs={{ 'data-overdue': overdueCount === null ? '' : String(overdueCount) }}
    >
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
    </Widget>
  );
});
