import { useCallback, useEffect, useState } from 'react';
import type { CaseSummaryView } from '@cityops/schema';
import { api } from '../api.js';
import {
  LEVEL_LABEL,
  SEVERITY_LABEL,
  STATE_LABEL,
  STEP_LABEL,
  actionsFor,
  clockText,
  type ActionName,
  type Me,
} from '../model.js';
import { ActionBar } from './ActionBar.js';
import type { Actor, AuditEntry, FullCase } from './case-types.js';
import { PlaceMap } from './PlaceMap.js';

const who = (a: Actor) =>
  `${a.name ?? a.userId}${a.role === 'system' ? '' : ` (${a.role}${a.departmentId ? ` ${a.departmentId}` : ''})`}`;
const time = (iso: string) => new Date(iso).toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });

const ACTION_ZH: Record<string, string> = {
  raised: '告警立案',
  ack: '确认',
  dispatch: '吹哨派单',
  checkin: '报到',
  resolve: '办结',
  close: '关闭反馈',
  comment: '备注',
  escalate: '升级',
  reassign: '改派',
  merge: '合并',
  reopen: '重新打开',
  confirm_clear: '确认消除',
};

type Notice = { kind: 'conflict' | 'error' | 'ok'; text: string };

/** One case: its clocks, actions, evidence timeline, map, the events behind it and the audit trail. */
export function CasePage({
  id,
  me,
  summary,
  serverNow,
  onBack,
}: {
  id: string;
  me: Me;
  summary: CaseSummaryView | undefined;
  serverNow: number;
  onBack: () => void;
}) {
  const [c, setC] = useState<FullCase | null>(null);
  const [trail, setTrail] = useState<AuditEntry[]>([]);
  const [missing, setMissing] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const [r, a] = await Promise.all([
      api<{ case: FullCase }>('GET', `/api/v1/alerts/${encodeURIComponent(id)}`),
      api<{ entries: AuditEntry[] }>('GET', `/api/v1/alerts/${encodeURIComponent(id)}/audit`),
    ]);
    if (r.status === 200) {
      setC(r.body.case);
      setMissing(null);
    } else setMissing(`${r.status} ${r.body.code ?? ''} ${r.body.message ?? ''}`);
    if (a.status === 200) setTrail(a.body.entries);
  }, [id]);

  // (re)load when the case changes on the channel: another officer's step shows at once
  useEffect(() => {
    void load();
  }, [load, summary?.version]);

  const submit = async (action: ActionName, body: Record<string, unknown>): Promise<boolean> => {
    setBusy(true);
    const r = await api<{
      case?: FullCase;
      current?: { version: number; lastActor?: Actor; lastAction?: string; lastAt?: string };
    }>('POST', `/api/v1/alerts/${encodeURIComponent(id)}/${action}`, body);
    setBusy(false);
    if (r.status === 200 && r.body.case) {
      setC(r.body.case);
      setNotice({ kind: 'ok', text: `已提交 · Done: ${action} → v${r.body.case.version}` });
      void load();
      return true;
    }
    if (r.status === 409 && r.body.current) {
      const cur = r.body.current;
      const by = cur.lastActor ? who(cur.lastActor) : '另一位值班员 another officer';
      setNotice({
        kind: 'conflict',
        text:
          `已被 ${by} 抢先处理（${ACTION_ZH[cur.lastAction ?? ''] ?? cur.lastAction ?? ''}，版本 ${cur.version}），已刷新，请核对后再操作。` +
          ` · ${by} acted first (${cur.lastAction ?? ''}, version ${cur.version}); the case is refreshed: check it and try again.`,
      });
      await load();
      return true;
    }
    setNotice({ kind: 'error', text: `未执行 · Not done: ${r.status} ${r.body.code ?? ''} ${r.body.message ?? ''}` });
    return false;
  };

  if (missing && !c)
    return (
      <section className="panel">
        <button type="button" onClick={onBack}>
          ← 返回 Back
        </button>
        <p className="error">
          无法打开案件 · Cannot open case {id}: {missing}
        </p>
      </section>
    );
  if (!c) return <section className="panel">载入中 · Loading…</section>;

  const allowed = actionsFor(me, {
    state: c.state,
    ...(c.dispatch ? { lead: c.dispatch.lead, assist: c.dispatch.assist } : {}),
    checkedIn: Object.keys(c.checkins),
  });
  const timeline = [
    { at: c.alert.firstSignalAt, text: '首个信号 First signal', by: 'detector' },
    { at: c.alert.detectedAt, text: '检测告警 Detected', by: 'detector' },
    ...trail.map((e) => ({ at: e.at, text: `${ACTION_ZH[e.action] ?? e.action} ${e.action}`, by: who(e.actor) })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  return (
    <div className="casepage" data-testid="case-page" data-case-id={c.id} data-state={c.state} data-version={c.version}>
      <div className="case-head panel">
        <button type="button" onClick={onBack} className="back">
          ← 队列 <span className="en">Queue</span>
        </button>
        <h2>
          <span className={`sev sev-${c.alert.severity}`}>{SEVERITY_LABEL[c.alert.severity]?.[0]}</span>{' '}
          {c.alert.summary.zh}
          <span className="en"> {c.alert.summary.en}</span>
        </h2>
        <div className="facts">
          <span data-testid="case-state">
            {STATE_LABEL[c.state][0]} <span className="en">{STATE_LABEL[c.state][1]}</span>
          </span>
          <span>v{c.version}</span>
          {c.dispatch && (
            <span data-testid="archive-no">
              {c.dispatch.archiveNo} · {LEVEL_LABEL[c.dispatch.level][0]} · 主责 {c.dispatch.lead}
              {c.dispatch.assist.length ? ` · 配合 ${c.dispatch.assist.join(', ')}` : ''}
            </span>
          )}
          <span>
            升级层级 <span className="en">escalation</span> {c.escalation.level} ({c.escalation.unitId})
          </span>
          {c.reopenCount > 0 && <span className="alarm">重开 {c.reopenCount}</span>}
        </div>
        <div className="clocks">
          {c.clocks.map((k, i) => {
            const t = clockText(k.dueAt, serverNow, k.overdue);
            return (
              <div
                key={i}
                className={`clockcard ${k.doneAt ? 'done' : k.stoppedAt ? 'stopped' : t.overdue ? 'clock-overdue' : ''}`}
                data-testid="clockcard"
                data-step={k.step}
                data-overdue={k.overdue}
              >
                <div>
                  {STEP_LABEL[k.step][0]} {k.departmentId ?? ''} <span className="en">{STEP_LABEL[k.step][1]}</span>
                </div>
                <div className="clock-time">
                  {k.doneAt ? `✓ ${time(k.doneAt)}` : k.stoppedAt ? '—' : t.text}
                  {!k.doneAt && !k.stoppedAt && t.overdue && <b className="overdue-tag">超时 OVERDUE</b>}
                  {k.doneAt && k.overdue && <b className="overdue-tag">超时完成 late</b>}
                </div>
                <div className="en">due {time(k.dueAt)}</div>
              </div>
            );
          })}
        </div>
        {notice && (
          <div
            className={`notice notice-${notice.kind}`}
            role="alert"
            data-testid={notice.kind === 'conflict' ? 'conflict' : 'notice'}
          >
            {notice.text}
            <button type="button" onClick={() => setNotice(null)}>
              ×
            </button>
          </div>
        )}
        <ActionBar c={c} me={me} allowed={allowed} busy={busy} onSubmit={submit} />
      </div>
      <div className="case-body">
        <section className="panel">
          <h3>
            证据时间线 <span className="en">Evidence timeline</span>
          </h3>
          <ol className="timeline" data-testid="timeline">
            {timeline.map((t, i) => (
              <li key={i}>
                <time>{time(t.at)}</time> {t.text} <span className="en">{t.by}</span>
              </li>
            ))}
          </ol>
          <h3>
            关联事件 <span className="en">Events behind it</span> ({c.alert.evidenceCount})
          </h3>
          <ul className="evidence" data-testid="evidence">
            {c.alert.evidence.map((e) => (
              <li key={e}>
                <code>{e}</code>
              </li>
            ))}
          </ul>
          {c.alert.subjects.length > 0 && (
            <p>
              对象 <span className="en">Subjects</span>: {c.alert.subjects.join(', ')}
            </p>
          )}
          {c.resolution && (
            <p>
              办结 <span className="en">Resolution</span>: {c.resolution.notes}{' '}
              {c.resolution.photoUrl && (
                <a href={c.resolution.photoUrl} rel="noreferrer noopener" target="_blank">
                  照片 photo
                </a>
              )}
            </p>
          )}
          {c.closure?.feedback && (
            <p>
              反馈 <span className="en">Feedback</span>: {c.closure.feedback}
            </p>
          )}
        </section>
        <section className="panel">
          <h3>
            位置 <span className="en">Place</span>
          </h3>
          <PlaceMap
            lon={c.alert.place.lon}
            lat={c.alert.place.lat}
            districtId={c.alert.place.districtId}
            {...(c.alert.place.streetId ? { streetId: c.alert.place.streetId } : {})}
          />
        </section>
        <section className="panel audit">
          <h3>
            审计记录 <span className="en">Audit trail (hash-chained)</span>
          </h3>
          <table data-testid="audit">
            <thead>
              <tr>
                <th>#</th>
                <th>时间 When</th>
                <th>操作 Action</th>
                <th>操作人 Who</th>
                <th>来源 From</th>
                <th>版本 Version</th>
                <th>hash</th>
              </tr>
            </thead>
            <tbody>
              {trail.map((e) => (
                <tr
                  key={e.seq}
                  data-testid="audit-row"
                  data-action={e.action}
                  data-actor={e.actor.userId}
                  data-at={e.at}
                >
                  <td>{e.seq}</td>
                  <td>{time(e.at)}</td>
                  <td>
                    {ACTION_ZH[e.action] ?? e.action} <span className="en">{e.action}</span>
                  </td>
                  <td>{who(e.actor)}</td>
                  <td>{e.from}</td>
                  <td>
                    {e.beforeVersion}→{e.afterVersion}
                  </td>
                  <td>
                    <code>{e.hash.slice(0, 10)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
