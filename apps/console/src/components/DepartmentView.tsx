import { useMemo } from 'react';
import type { CasesChannelState } from '@cityops/schema';
import { go } from '../hooks.js';
import { LEVEL_LABEL, STATE_LABEL, byUrgency, clockText, departmentCases, type Me } from '../model.js';

/** The department's whistles: its 报到 (check-in) and 办结 (resolve) clocks, most urgent first. */
export function DepartmentView({ me, data, serverNow }: { me: Me; data: CasesChannelState | null; serverNow: number }) {
  const dept = me.departmentId!;
  const cases = useMemo(() => departmentCases(Object.values(data?.cases ?? {}), dept).sort(byUrgency), [data, dept]);
  return (
    <section className="panel dept" data-widget="department-view" data-fresh={data !== null}>
      <h2>
        {dept} 的哨单 <span className="en">Whistles sent to {dept}</span>
      </h2>
      <table>
        <thead>
          <tr>
            <th>档案号 Archive</th>
            <th>事件 Summary</th>
            <th>级别 Level</th>
            <th>角色 Role</th>
            <th>状态 State</th>
            <th>报到 On site</th>
            <th>办结 Resolve</th>
          </tr>
        </thead>
        <tbody>
          {cases.map((c) => {
            const onsite = c.clocks.find((k) => k.step === 'onsite' && k.departmentId === dept);
            const resolve = c.clocks.find((k) => k.step === 'resolve');
            const cell = (k: typeof onsite) =>
              !k ? (
                '—'
              ) : k.doneAt ? (
                <span className={k.overdue ? 'alarm' : 'ok'}>✓ {k.overdue ? '超时完成 late' : '按时 on time'}</span>
              ) : k.stoppedAt ? (
                '—'
              ) : (
                <span className={clockText(k.dueAt, serverNow, k.overdue).overdue ? 'clock-overdue clock' : 'clock'}>
                  {clockText(k.dueAt, serverNow, k.overdue).overdue && <b className="overdue-tag">超时 OVERDUE</b>}
                  <span className="clock-time">{clockText(k.dueAt, serverNow, k.overdue).text}</span>
                </span>
              );
            return (
              <tr
                key={c.id}
                className={`row ${c.overdue ? 'row-overdue' : ''}`}
                data-case-id={c.id}
                data-state={c.state}
                onClick={() => go(`case/${encodeURIComponent(c.id)}`)}
              >
                <td>{c.archiveNo ?? '—'}</td>
                <td>{c.summary.zh}</td>
                <td>{c.level ? LEVEL_LABEL[c.level][0] : '—'}</td>
                <td>{c.lead === dept ? '主责 lead' : '配合 assist'}</td>
                <td>{STATE_LABEL[c.state][0]}</td>
                <td>{cell(onsite)}</td>
                <td>{c.lead === dept ? cell(resolve) : '—'}</td>
              </tr>
            );
          })}
          {data && cases.length === 0 && (
            <tr>
              <td colSpan={7} className="empty">
                暂无哨单 <span className="en">No whistles</span>
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
