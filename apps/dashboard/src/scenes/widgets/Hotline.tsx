import type { BoardRow, HotlineKpiArea, HotlineKpis, HotlineRankings, TopProblem } from '@cityops/schema';
import { Widget } from '../../components/Widget.js';
import type { Freshness } from '../../feed/wall-state.js';
import { formatCount } from '../../format.js';
import { pct } from '../format-theme.js';

const MAX_AREAS = 5_000;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The shape `GET /api/v1/hotline/kpis` promises (packages/schema/src/hotline-kpis.ts), bounded. */
export function isHotlineKpis(body: unknown): body is HotlineKpis {
  return (
    isObj(body) &&
    typeof body.level === 'string' &&
    (body.asOf === null || typeof body.asOf === 'string') &&
    Array.isArray(body.areas) &&
    body.areas.length <= MAX_AREAS &&
    body.areas.every((a) => isObj(a) && typeof a.id === 'string' && typeof a.received === 'number')
  );
}

/** The shape of `GET /api/v1/hotline/rankings`, bounded. */
export function isHotlineRankings(body: unknown): body is HotlineRankings {
  const rows = (v: unknown) =>
    Array.isArray(v) &&
    v.length <= MAX_AREAS &&
    v.every((r) => isObj(r) && isObj(r.area) && typeof r.score === 'number');
  return (
    isObj(body) &&
    (body.asOf === null || typeof body.asOf === 'string') &&
    rows(body.red) &&
    rows(body.black) &&
    Array.isArray(body.topProblems) &&
    body.topProblems.length <= MAX_AREAS
  );
}

/** The city's figures from its districts' counts (rates are recomputed from the sums, never averaged). */
export function cityTotals(kpis: HotlineKpis | null): HotlineKpiArea | null {
  if (!kpis) return null;
  if (kpis.level === 'city') return kpis.areas[0] ?? null;
  const sum = (
    k: 'received' | 'responded' | 'respondedLate' | 'resolved' | 'resolvedLate' | 'callbacks' | 'satisfied',
  ) => kpis.areas.reduce((a, r) => a + (Number.isFinite(r[k]) ? r[k] : 0), 0);
  const received = sum('received');
  const callbacks = sum('callbacks');
  return {
    id: 'city',
    received,
    responded: sum('responded'),
    respondedLate: sum('respondedLate'),
    resolved: sum('resolved'),
    resolvedLate: sum('resolvedLate'),
    callbacks,
    satisfied: sum('satisfied'),
    responseRate: received ? sum('responded') / received : null,
    resolutionRate: received ? sum('resolved') / received : null,
    satisfactionRate: callbacks ? sum('satisfied') / callbacks : null,
    medianResponseMin: null,
    medianResolveMin: null,
  };
}

const RATES: Array<[keyof HotlineKpiArea, string, string]> = [
  ['responseRate', '响应率', 'Response'],
  ['resolutionRate', '解决率', 'Resolution'],
  ['satisfactionRate', '满意率', 'Satisfaction'],
];

/** 接诉即办 headline: tickets received and the three rates, city-wide. */
export function HotlineRates({ kpis, freshness }: { kpis: HotlineKpis | null; freshness: Freshness }) {
  const city = cityTotals(kpis);
  const stale = !freshness.fresh;
  return (
    <Widget
      name="hotline-rates"
      className="hotline-rates"
      freshness={freshness}
      title={{ zh: '接诉即办', en: '12345 hotline', note: kpis?.period ?? '—' }}
    >
      <div className="stat-grid stat-grid-4">
        <div className={`stat${stale ? ' is-stale' : ''}`} data-value={city?.received ?? ''}>
          <div className="stat-label">
            <span className="zh">受理工单</span> <span className="en">Received</span>
          </div>
          <div className="stat-value">{formatCount(city?.received)}</div>
          <div className="stat-sub">
            回访 callbacks <b>{formatCount(city?.callbacks)}</b>
          </div>
        </div>
        {RATES.map(([k, zh, en]) => (
          <div key={k} className={`stat${stale ? ' is-stale' : ''}`} data-rate={k} data-value={city?.[k] ?? ''}>
            <div className="stat-label">
              <span className="zh">{zh}</span> <span className="en">{en}</span>
            </div>
            <div className="stat-value">{pct(city?.[k] as number | null | undefined)}</div>
          </div>
        ))}
      </div>
    </Widget>
  );
}

/** Per district: received and the three rates, as bars. */
export function HotlineDistricts({
  kpis,
  freshness,
  max = 16,
}: {
  kpis: HotlineKpis | null;
  freshness: Freshness;
  max?: number;
}) {
  const rows = [...(kpis?.areas ?? [])].sort((a, b) => b.received - a.received).slice(0, max);
  return (
    <Widget
      name="hotline-districts"
      className="hotline-districts"
      freshness={freshness}
      title={{ zh: '分区接诉即办', en: 'By district', note: '响应 · 解决 · 满意' }}
    >
      {rows.length === 0 ? <div className="empty">尚无数据 · No data</div> : null}
      <div className="rate-rows">
        {rows.map((r) => (
          <div key={r.id} className="rate-row" data-area={r.id}>
            <span className="rate-name">{r.name?.zh ?? r.id}</span>
            <span className="rate-count">{formatCount(r.received)}</span>
            {RATES.map(([k]) => {
              const v = r[k] as number | null;
              return (
                <span key={k} className="rate-cell">
                  <span className="rate-bar">
                    <span style={{ width: `${Math.max(0, Math.min(1, v ?? 0)) * 100}%` }} />
                  </span>
                  <span className="rate-pct">{pct(v)}</span>
                </span>
              );
            })}
          </div>
        ))}
      </div>
    </Widget>
  );
}

/** 红黑榜: the red board (best) or the black board (worst) of the month. */
export function HotlineBoard({
  board,
  rankings,
  freshness,
  max = 8,
}: {
  board: 'red' | 'black';
  rankings: HotlineRankings | null;
  freshness: Freshness;
  max?: number;
}) {
  const rows: BoardRow[] = (rankings?.[board] ?? []).slice(0, max);
  const red = board === 'red';
  return (
    <Widget
      name={red ? 'hotline-red-board' : 'hotline-black-board'}
      className={`hotline-board board-${board}`}
      freshness={freshness}
      title={{
        zh: red ? '红榜' : '黑榜',
        en: red ? 'Red board · best' : 'Black board · worst',
        note: rankings ? `${rankings.month} · ≥${rankings.minReceived}件` : '—',
      }}
    >
      {rows.length === 0 ? <div className="empty">尚无数据 · No data</div> : null}
      <ol className="board-rows">
        {rows.map((r) => (
          <li key={r.area.id} className="board-row" data-area={r.area.id}>
            <span className="board-rank">{r.rank}</span>
            <span className="board-name">{r.area.name?.zh ?? r.area.id}</span>
            <span className="board-score">{pct(r.score)}</span>
          </li>
        ))}
      </ol>
    </Widget>
  );
}

/** 每月一题: the month's top recurring problems, category × area, with the change against last month. */
export function TopProblems({
  rankings,
  freshness,
  max = 8,
}: {
  rankings: HotlineRankings | null;
  freshness: Freshness;
  max?: number;
}) {
  const rows: TopProblem[] = (rankings?.topProblems ?? []).slice(0, max);
  return (
    <Widget
      name="hotline-top-problems"
      className="hotline-top"
      freshness={freshness}
      title={{ zh: '每月一题', en: 'Problem of the month', note: rankings?.month ?? '—' }}
    >
      {rows.length === 0 ? <div className="empty">尚无数据 · No data</div> : null}
      <ol className="problem-rows">
        {rows.map((p, i) => (
          <li key={`${p.category}|${p.areaId}`} className="problem-row">
            <span className="board-rank">{i + 1}</span>
            <span className="problem-what">
              <span className="zh">{p.categoryName?.zh ?? p.category}</span>
              <span className="problem-where">{p.areaName?.zh ?? p.areaId}</span>
            </span>
            <span className="problem-count">{formatCount(p.count)}</span>
            <span className={`problem-change${(p.change ?? 0) > 0 ? ' is-up' : ''}`}>
              {p.change === null ? '新 new' : `${p.change > 0 ? '+' : ''}${(p.change * 100).toFixed(0)}%`}
            </span>
          </li>
        ))}
      </ol>
    </Widget>
  );
}
