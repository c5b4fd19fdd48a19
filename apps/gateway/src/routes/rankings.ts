import type { CaseView } from '@cityops/alert-desk';
import type { CityPack } from '@cityops/city';

/** One department's or street's figures for a month; a figure without data is null, never 0. */
export interface RankingRow {
  id: string;
  name: string;
  nameEn?: string;
  /** cases in the month: whistles sent to the department (lead or assisting) / blown on the street */
  cases: number;
  checkins: number;
  /** share of due check-ins (报到) made on time; null when none was due */
  onTimeCheckinRate: number | null;
  resolved: number;
  /** median minutes from dispatch to resolve (as lead / on the street); null when none resolved */
  medianResolveMinutes: number | null;
  /** share of the lead's / street's cases reopened at least once; null without a case to judge */
  reopenRate: number | null;
  /** mean officer rating of the handling (1..5): the department's, or on the street's cases */
  handlingRating: number | null;
  /** mean department rating of the whistle (1..5), for streets: how well-founded their whistles were */
  whistleRating: number | null;
  /** 0..100 composite (weights in the README); null when no component has data */
  score: number | null;
}

export interface Rankings {
  month: string;
  timeZone: string;
  /** cases dispatched (吹哨) in the month, in the pack's time zone */
  cases: number;
  departments: RankingRow[];
  streets: RankingRow[];
  /** 红榜: the best three by score; 黑榜: the worst three (rows with a score only) */
  red: { departments: string[]; streets: string[] };
  black: { departments: string[]; streets: string[] };
  method: string;
}

const METHOD =
  'score = 100 × weighted mean of the available parts: on-time check-in rate 0.4, 1 − reopen rate 0.2, ' +
  'handling rating (r − 1) / 4 0.2, resolve within the deadline 0.2; months by dispatch time in the pack time zone';

interface Acc {
  cases: number;
  checkins: number;
  dueCheckins: number;
  onTime: number;
  resolveMinutes: number[];
  resolveDue: number;
  resolveOnTime: number;
  leadCases: number;
  reopened: number;
  handling: number[];
  whistle: number[];
}

const empty = (): Acc => ({
  cases: 0,
  checkins: 0,
  dueCheckins: 0,
  onTime: 0,
  resolveMinutes: [],
  resolveDue: 0,
  resolveOnTime: 0,
  leadCases: 0,
  reopened: 0,
  handling: [],
  whistle: [],
});

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const median = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number | null, d = 3) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

/** YYYY-MM of an instant in a time zone */
function monthOf(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(
    new Date(iso),
  );
  const y = parts.find((p) => p.type === 'year')?.value;
  const m = parts.find((p) => p.type === 'month')?.value;
  return `${y}-${m}`;
}

function row(id: string, name: string, nameEn: string | undefined, a: Acc): RankingRow {
  const onTimeCheckinRate = a.dueCheckins ? a.onTime / a.dueCheckins : null;
  const reopenRate = a.leadCases ? a.reopened / a.leadCases : null;
  const handlingRating = mean(a.handling);
  const resolveOnTime = a.resolveDue ? a.resolveOnTime / a.resolveDue : null;
  const parts: Array<[number | null, number]> = [
    [onTimeCheckinRate, 0.4],
    [reopenRate === null ? null : 1 - reopenRate, 0.2],
    [handlingRating === null ? null : (handlingRating - 1) / 4, 0.2],
    [resolveOnTime, 0.2],
  ];
  const have = parts.filter((p): p is [number, number] => p[0] !== null);
  const w = have.reduce((s, [, wt]) => s + wt, 0);
  const score = w > 0 ? (100 * have.reduce((s, [v, wt]) => s + v * wt, 0)) / w : null;
  return {
    id,
    name,
    ...(nameEn ? { nameEn } : {}),
    cases: a.cases,
    checkins: a.checkins,
    onTimeCheckinRate: round(onTimeCheckinRate),
    resolved: a.resolveMinutes.length,
    medianResolveMinutes: round(median(a.resolveMinutes), 1),
    reopenRate: round(reopenRate),
    handlingRating: round(handlingRating, 2),
    whistleRating: round(mean(a.whistle), 2),
    score: round(score, 1),
  };
}

function ends(rows: RankingRow[]): { best: string[]; worst: string[] } {
  const scored = rows.filter((r) => r.score !== null).sort((a, b) => b.score! - a.score! || a.id.localeCompare(b.id));
  const n = Math.min(3, Math.floor(scored.length / 2));
  return {
    best: scored.slice(0, n).map((r) => r.id),
    worst: n
      ? scored
          .slice(-n)
          .reverse()
          .map((r) => r.id)
      : [],
  };
}

/**
 * 红黑榜 from the record (issue 10 part 7): departments and streets ranked for one month by
 * on-time check-in, time to resolve, reopen rate and the two-way evaluation, computed from the
 * desk's case records (their check-ins with on-time flags, clocks, reopen counts and ratings).
 */
export function rankings(all: CaseView[], pack: CityPack, month: string): Rankings {
  const timeZone = pack.meta.timeZone ?? 'Asia/Shanghai';
  const cases = all.filter((c) => c.dispatch && c.state !== 'merged' && monthOf(c.dispatch.at, timeZone) === month);
  const depts = new Map<string, Acc>();
  const streets = new Map<string, Acc>();
  const acc = (m: Map<string, Acc>, id: string) => {
    let a = m.get(id);
    if (!a) m.set(id, (a = empty()));
    return a;
  };
  for (const c of cases) {
    const d = c.dispatch!;
    const resolveClock = c.clocks.find((k) => k.step === 'resolve');
    const resolveMin = c.resolution ? (Date.parse(c.resolution.at) - Date.parse(d.at)) / 60_000 : null;
    const street = c.alert.place.streetId ? acc(streets, c.alert.place.streetId) : undefined;
    for (const dept of [d.lead, ...d.assist]) {
      const a = acc(depts, dept);
      a.cases += 1;
      const onsite = c.clocks.find((k) => k.step === 'onsite' && k.departmentId === dept);
      const ci = c.checkins[dept];
      if (ci) a.checkins += 1;
      // a check-in was due if it happened, or its clock ran out; a clock still running or stopped is not judged
      if (ci || onsite?.overdue) {
        a.dueCheckins += 1;
        if (ci?.onTime) a.onTime += 1;
        if (street) {
          street.dueCheckins += 1;
          if (ci?.onTime) street.onTime += 1;
        }
      }
      if (ci && street) street.checkins += 1;
    }
    const lead = acc(depts, d.lead);
    lead.leadCases += 1;
    if (c.reopenCount > 0) lead.reopened += 1;
    if (resolveMin !== null) lead.resolveMinutes.push(resolveMin);
    if (resolveClock && (resolveClock.doneAt || resolveClock.overdue)) {
      lead.resolveDue += 1;
      if (!resolveClock.overdue) lead.resolveOnTime += 1;
    }
    if (c.evaluation.handling !== undefined) lead.handling.push(c.evaluation.handling);
    if (street) {
      street.cases += 1;
      street.leadCases += 1;
      if (c.reopenCount > 0) street.reopened += 1;
      if (resolveMin !== null) street.resolveMinutes.push(resolveMin);
      if (resolveClock && (resolveClock.doneAt || resolveClock.overdue)) {
        street.resolveDue += 1;
        if (!resolveClock.overdue) street.resolveOnTime += 1;
      }
      if (c.evaluation.handling !== undefined) street.handling.push(c.evaluation.handling);
      if (c.evaluation.whistle !== undefined) street.whistle.push(c.evaluation.whistle);
    }
  }
  const deptInfo = new Map(pack.departments.map((d) => [d.id, d]));
  const streetInfo = new Map(pack.streets.map((s) => [s.id, s]));
  const byScore = (a: RankingRow, b: RankingRow) =>
    (b.score ?? -1) - (a.score ?? -1) || b.cases - a.cases || a.id.localeCompare(b.id);
  const departments = [...depts].map(([id, a]) => {
    const info = deptInfo.get(id);
    return row(id, info?.name ?? id, info?.nameEn, a);
  });
  const streetRows = [...streets].map(([id, a]) => {
    const info = streetInfo.get(id);
    return row(id, info?.name ?? id, info?.nameEn, a);
  });
  departments.sort(byScore);
  streetRows.sort(byScore);
  const de = ends(departments);
  const se = ends(streetRows);
  return {
    month,
    timeZone,
    cases: cases.length,
    departments,
    streets: streetRows,
    red: { departments: de.best, streets: se.best },
    black: { departments: de.worst, streets: se.worst },
    method: METHOD,
  };
}
