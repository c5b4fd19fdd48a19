import type { BoardRow, HotlineKpiArea, HotlineKpis, HotlineRankings, TopProblem } from '@cityops/schema';
import {
  ROLLING_BUCKET_MS,
  ROLLING_BUCKETS,
  bucketOf,
  contributionsOf,
  type KpiContext,
  type KpiLevel,
  type PeriodKind,
} from './contributions.js';
import { exactMedian, histogramMedian } from './histogram.js';
import { monthStartMs, previousMonth } from './time.js';
import { applyStage, type StageEvent, type TicketState } from './ticket.js';

export const ROLLING_PERIOD = 'rolling-24h';

/** Names for the answer (from the city pack); optional everywhere. */
export interface KpiNames {
  area?(level: KpiLevel, id: string): { zh: string; en: string } | undefined;
  category?(code: string): { zh: string; en: string } | undefined;
}

/** The buckets of a period: one month's bucket, or the 144 rolling buckets ending with the watermark's. */
export function bucketsOf(
  period: string,
  timeZone: string,
  watermark: number | null,
): { kind: PeriodKind; from: number; to: number } {
  if (period === ROLLING_PERIOD) {
    if (watermark === null) return { kind: 'rolling', from: 1, to: 0 };
    const last = bucketOf(watermark, 'rolling', timeZone);
    return { kind: 'rolling', from: last - (ROLLING_BUCKETS - 1) * ROLLING_BUCKET_MS, to: last };
  }
  const start = monthStartMs(period, timeZone);
  return { kind: 'month', from: start, to: start };
}

/** Adds up the fields of several buckets. */
export function sumBuckets(buckets: Iterable<Record<string, number>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of buckets) for (const [f, n] of Object.entries(b)) out.set(f, (out.get(f) ?? 0) + n);
  return out;
}

const rate = (num: number, den: number): number | null => (den > 0 ? num / den : null);
const round1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);

interface AreaAcc {
  counts: Record<string, number>;
  rt: Map<number, number>;
  st: Map<number, number>;
}

/** One area's figures from its counters (medians from the histogram: see histogram.ts for the bound). */
function areaOf(level: KpiLevel, id: string, a: AreaAcc, names?: KpiNames): HotlineKpiArea {
  const c = (k: string) => a.counts[k] ?? 0;
  const name = names?.area?.(level, id);
  return {
    id,
    ...(name ? { name } : {}),
    received: c('received'),
    responded: c('responded'),
    respondedLate: c('respondedLate'),
    resolved: c('resolved'),
    resolvedLate: c('resolvedLate'),
    callbacks: c('callbacks'),
    satisfied: c('satisfied'),
    responseRate: rate(c('responded'), c('received')),
    resolutionRate: rate(c('resolved'), c('received')),
    satisfactionRate: rate(c('satisfied'), c('callbacks')),
    medianResponseMin: round1(histogramMedian(a.rt)),
    medianResolveMin: round1(histogramMedian(a.st)),
  };
}

/**
 * The KPIs of one level from summed counters (the fields `contributionsOf` writes). Areas with no
 * ticket are left out (a missing figure is not a zero); sorted by id.
 */
export function kpisFromFields(
  fields: ReadonlyMap<string, number>,
  level: KpiLevel,
  period: string,
  asOf: number | null,
  names?: KpiNames,
): HotlineKpis {
  const areas = new Map<string, AreaAcc>();
  const prefix = `${level}|`;
  for (const [f, n] of fields) {
    if (!f.startsWith(prefix)) continue;
    const rest = f.slice(prefix.length);
    const bar = rest.indexOf('|');
    if (bar <= 0) continue;
    const id = rest.slice(0, bar);
    const what = rest.slice(bar + 1);
    let a = areas.get(id);
    if (!a) areas.set(id, (a = { counts: {}, rt: new Map(), st: new Map() }));
    if (what.startsWith('rt|')) a.rt.set(Number(what.slice(3)), (a.rt.get(Number(what.slice(3))) ?? 0) + n);
    else if (what.startsWith('st|')) a.st.set(Number(what.slice(3)), (a.st.get(Number(what.slice(3))) ?? 0) + n);
    else if (!what.startsWith('cat|')) a.counts[what] = (a.counts[what] ?? 0) + n;
  }
  const list = [...areas]
    .filter(([, a]) => (a.counts.received ?? 0) > 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([id, a]) => areaOf(level, id, a, names));
  return { level, period, asOf: asOf === null ? null : new Date(asOf).toISOString(), areas: list };
}

/** counts of `cat|<code>` per area of a level: `area|code` → n */
function problemCounts(fields: ReadonlyMap<string, number>, level: KpiLevel): Map<string, number> {
  const out = new Map<string, number>();
  const prefix = `${level}|`;
  for (const [f, n] of fields) {
    if (!f.startsWith(prefix)) continue;
    const i = f.indexOf('|cat|', prefix.length);
    if (i < 0 || n <= 0) continue;
    out.set(`${f.slice(prefix.length, i)}|${f.slice(i + 5)}`, n);
  }
  return out;
}

export interface RankingOptions {
  /** areas with fewer received tickets are not ranked (default 30) */
  minReceived?: number;
  /** rows per board (default 10) */
  boardSize?: number;
  /** rows of 每月一题 (default 10) */
  topProblems?: number;
  names?: KpiNames;
}
export const DEFAULT_MIN_RECEIVED = 30;

/**
 * 红黑榜 and 每月一题 of a month. Boards rank areas with at least `minReceived` tickets and at
 * least one callback (so all three rates exist) by score = the mean of 响应率, 解决率 and 满意率;
 * ties go to the area with more tickets, then to the smaller id. The red board is the best first,
 * the black board the worst first; with fewer than 2 × boardSize ranked areas they split them (the
 * better half red), so no area is on both. 每月一题: the category × area pairs with the most tickets
 * received this month (ties: category, then area id), with last month's count and the change.
 */
export function rankingsOf(
  kpis: HotlineKpis,
  thisMonth: ReadonlyMap<string, number>,
  lastMonth: ReadonlyMap<string, number>,
  month: string,
  o: RankingOptions = {},
): HotlineRankings {
  const level = kpis.level === 'district' ? 'district' : 'street';
  const minReceived = o.minReceived ?? DEFAULT_MIN_RECEIVED;
  const size = o.boardSize ?? 10;
  const scored: BoardRow[] = kpis.areas
    .filter(
      (a) =>
        a.received >= minReceived &&
        a.responseRate !== null &&
        a.resolutionRate !== null &&
        a.satisfactionRate !== null,
    )
    .map((a) => ({ rank: 0, area: a, score: (a.responseRate! + a.resolutionRate! + a.satisfactionRate!) / 3 }));
  const tie = (x: BoardRow, y: BoardRow) =>
    y.area.received - x.area.received || (x.area.id < y.area.id ? -1 : x.area.id > y.area.id ? 1 : 0);
  const best = [...scored].sort((x, y) => y.score - x.score || tie(x, y));
  const nRed = Math.min(size, Math.ceil(best.length / 2));
  const nBlack = Math.min(size, best.length - nRed);
  const red = best.slice(0, nRed).map((r, i) => ({ ...r, rank: i + 1 }));
  const onRed = new Set(red.map((r) => r.area.id));
  const black = [...scored]
    .sort((x, y) => x.score - y.score || tie(x, y))
    .filter((r) => !onRed.has(r.area.id))
    .slice(0, nBlack)
    .map((r, i) => ({ ...r, rank: i + 1 }));
  const now = problemCounts(thisMonth, level);
  const before = problemCounts(lastMonth, level);
  const top: TopProblem[] = [...now]
    .map(([k, count]) => {
      const bar = k.indexOf('|');
      return { areaId: k.slice(0, bar), category: k.slice(bar + 1), count };
    })
    .sort(
      (x, y) =>
        y.count - x.count ||
        (x.category < y.category ? -1 : x.category > y.category ? 1 : 0) ||
        (x.areaId < y.areaId ? -1 : x.areaId > y.areaId ? 1 : 0),
    )
    .slice(0, o.topProblems ?? 10)
    .map(({ areaId, category, count }) => {
      const previousCount = before.get(`${areaId}|${category}`) ?? 0;
      const categoryName = o.names?.category?.(category);
      const areaName = o.names?.area?.(level, areaId);
      return {
        category,
        ...(categoryName ? { categoryName } : {}),
        areaId,
        ...(areaName ? { areaName } : {}),
        count,
        previousCount,
        change: previousCount > 0 ? (count - previousCount) / previousCount : null,
      };
    });
  return { month, level, minReceived, red, black, topProblems: top, asOf: kpis.asOf };
}

/**
 * The offline computation (`npm run kpis`): every ticket folded from its stage events, then the
 * same counters as the aggregator's, summed in memory; medians exact (from the tickets' own times).
 */
export class KpiBook {
  readonly tickets = new Map<string, TicketState>();
  /** the latest event time seen (epoch ms), the rolling window's end */
  watermark: number | null = null;

  constructor(readonly ctx: KpiContext) {}

  add(e: StageEvent): void {
    this.tickets.set(e.ticketId, applyStage(this.tickets.get(e.ticketId), e));
    if (this.watermark === null || e.at > this.watermark) this.watermark = e.at;
  }

  /** the counters of a period (summed fields), as the aggregator's store holds them */
  fields(period: string): Map<string, number> {
    const { kind, from, to } = bucketsOf(period, this.ctx.timeZone, this.watermark);
    const out = new Map<string, number>();
    for (const s of this.tickets.values())
      for (const c of contributionsOf(s, kind, this.ctx))
        if (c.bucket >= from && c.bucket <= to) out.set(c.field, (out.get(c.field) ?? 0) + 1);
    return out;
  }

  kpis(level: KpiLevel, period: string, names?: KpiNames): HotlineKpis {
    const k = kpisFromFields(this.fields(period), level, period, this.watermark, names);
    // exact medians: the tickets' own minutes, where the store can only keep a histogram
    const { kind, from, to } = bucketsOf(period, this.ctx.timeZone, this.watermark);
    const resp = new Map<string, number[]>();
    const reso = new Map<string, number[]>();
    const push = (m: Map<string, number[]>, id: string, v: number) => {
      const l = m.get(id);
      if (l) l.push(v);
      else m.set(id, [v]);
    };
    for (const s of this.tickets.values()) {
      const r = s.t.received;
      if (r === undefined) continue;
      const b = bucketOf(r, kind, this.ctx.timeZone);
      if (b < from || b > to) continue;
      const id = level === 'city' ? this.ctx.cityId : level === 'district' ? s.d : s.s;
      if (id === undefined) continue;
      if (s.t.responded !== undefined) push(resp, id, Math.max(0, s.t.responded - r) / 60_000);
      if (s.t.resolved !== undefined) push(reso, id, Math.max(0, s.t.resolved - r) / 60_000);
    }
    for (const a of k.areas) {
      a.medianResponseMin = round1(exactMedian(resp.get(a.id) ?? []));
      a.medianResolveMin = round1(exactMedian(reso.get(a.id) ?? []));
    }
    return k;
  }

  rankings(level: 'street' | 'district', month: string, o: RankingOptions = {}): HotlineRankings {
    return rankingsOf(
      this.kpis(level, month, o.names),
      this.fields(month),
      this.fields(previousMonth(month)),
      month,
      o,
    );
  }
}
