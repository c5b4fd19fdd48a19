import { useEffect, useMemo, useState } from 'react';
import type { CasesChannelState } from '@cityops/schema';
import { go, typing } from '../hooks.js';
import { LEVEL_LABEL, SEVERITY_LABEL, STATE_LABEL, byUrgency } from '../model.js';
import { Clock } from './Clock.js';

/** The queue sorted by urgency: overdue first, then the nearest deadline. j/k move, Enter opens. */
export function Queue({
  data,
  serverNow,
  synced,
}: {
  data: CasesChannelState | null;
  serverNow: number;
  synced: boolean;
}) {
  const cases = useMemo(() => Object.values(data?.cases ?? {}).sort(byUrgency), [data]);
  const [sel, setSel] = useState(0);
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'j') setSel((s) => Math.min(cases.length - 1, s + 1));
      else if (e.key === 'k') setSel((s) => Math.max(0, s - 1));
      else if (e.key === 'Enter' && cases[sel]) go(`case/${encodeURIComponent(cases[sel].id)}`);
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [cases, sel]);

  return (
    <section className="panel queue" data-widget="case-queue" data-fresh={synced}>
      <h2>
        案件队列 <span className="en">Case queue</span>
        <span className="counts">
          {data ? (
            <>
              <b data-testid="overdue-count" className={data.overdue > 0 ? 'alarm' : ''}>
                超时 {data.overdue}
              </b>
              {Object.entries(data.byState)
                .filter(([, n]) => n > 0)
                .map(([s, n]) => (
                  <span key={s}>
                    {STATE_LABEL[s as keyof typeof STATE_LABEL][0]} {n}
                  </span>
                ))}
            </>
          ) : (
            '—'
          )}
        </span>
      </h2>
      <p className="hint en">j / k 上下 · Enter 打开 open</p>
      <table>
        <thead>
          <tr>
            <th>等级</th>
            <th>事件 Summary</th>
            <th>地点 Place</th>
            <th>状态 State</th>
            <th>吹哨 Whistle</th>
            <th>时限 Deadline</th>
            <th>最近 Last</th>
          </tr>
        </thead>
        <tbody>
          {cases.map((c, i) => (
            <tr
              key={c.id}
              className={`row sev-${c.severity} ${c.overdue ? 'row-overdue' : ''} ${i === sel ? 'row-sel' : ''}`}
              data-case-id={c.id}
              data-state={c.state}
              data-version={c.version}
              data-overdue={c.overdue}
              onClick={() => go(`case/${encodeURIComponent(c.id)}`)}
            >
              <td>
                <span className={`sev sev-${c.severity}`}>{SEVERITY_LABEL[c.severity]?.[0] ?? c.severity}</span>
              </td>
              <td>
                {c.summary.zh}
                <div className="en">{c.summary.en}</div>
              </td>
              <td>
                {c.district?.zh ?? c.districtId}
                {c.street ? ` · ${c.street.zh}` : ''}
              </td>
              <td>
                {STATE_LABEL[c.state][0]} <span className="en">{STATE_LABEL[c.state][1]}</span>
              </td>
              <td>
                {c.level ? `${LEVEL_LABEL[c.level][0]} → ${c.lead ?? ''}` : '—'}
                {c.archiveNo && <div className="en">{c.archiveNo}</div>}
              </td>
              <td>
                <Clock c={c} serverNow={serverNow} />
              </td>
              <td>
                {c.lastBy} · {c.lastAction}
              </td>
            </tr>
          ))}
          {data && cases.length === 0 && (
            <tr>
              <td colSpan={7} className="empty">
                暂无案件 <span className="en">No cases</span>
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {data && data.notShown > 0 && (
        <p className="more">
          另有 {data.notShown} 件未显示 · {data.notShown} more not shown
        </p>
      )}
    </section>
  );
}
