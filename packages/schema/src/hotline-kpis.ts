/**
 * 接诉即办 KPIs (issue 11): per ticket from its stage events (received → dispatched → responded →
 * resolved → callback), deduplicated, with the pack's deadlines. The same shapes are printed by
 * `npm run kpis` (offline, from an events file) and served by `GET /api/v1/hotline/kpis` and
 * `GET /api/v1/hotline/rankings`, so a contested figure can be reproduced from the raw record.
 *
 * Definitions (a ticket is counted in the period and area of its `received` stage):
 * - `received`: tickets with a `received` stage;
 * - `responded`: of those, responded **within the response deadline**; `respondedLate` after it;
 * - `resolved`: of those, resolved (at any time so far); `resolvedLate` after the resolution deadline;
 * - `callbacks`: of those, with a callback; `satisfied`: callbacks with `satisfied: true`;
 * - 响应率 `responseRate` = responded / received; 解决率 `resolutionRate` = resolved / received;
 *   满意率 `satisfactionRate` = satisfied / callbacks; each null when its denominator is 0.
 */

export type KpiLevel = 'city' | 'district' | 'street';

export interface HotlineKpiArea {
  /** area id (the city id at level city) */
  id: string;
  name?: { zh: string; en: string };
  received: number;
  responded: number;
  respondedLate: number;
  resolved: number;
  resolvedLate: number;
  callbacks: number;
  satisfied: number;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
  /** median minutes from received to responded / to resolved, over the tickets that got there */
  medianResponseMin: number | null;
  medianResolveMin: number | null;
}

export interface HotlineKpis {
  level: KpiLevel;
  /** `YYYY-MM` (calendar month in the city's time zone) or `rolling-24h` */
  period: string;
  /** event time the figures are at (ISO), or null before the first ticket */
  asOf: string | null;
  areas: HotlineKpiArea[];
}

/** One row of the 红黑榜 (red board: best; black board: worst). */
export interface BoardRow {
  rank: number;
  area: HotlineKpiArea;
  /** the composite the board is ordered by (mean of the three rates), a fraction */
  score: number;
}

/** 每月一题: a recurring problem, category × area, with the change against last month. */
export interface TopProblem {
  category: string;
  categoryName?: { zh: string; en: string };
  areaId: string;
  areaName?: { zh: string; en: string };
  count: number;
  previousCount: number;
  /** (count − previous) / previous; null when last month had none */
  change: number | null;
}

export interface HotlineRankings {
  /** `YYYY-MM` */
  month: string;
  level: 'street' | 'district';
  /** areas with fewer received tickets than this are not ranked */
  minReceived: number;
  red: BoardRow[];
  black: BoardRow[];
  topProblems: TopProblem[];
  asOf: string | null;
}
