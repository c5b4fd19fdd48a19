import { deadlineFor, type HotlineDeadlines } from './deadlines.js';
import { binOf } from './histogram.js';
import { monthOf, monthStartMs } from './time.js';
import type { TicketState } from './ticket.js';

export type KpiLevel = 'city' | 'district' | 'street';
export const KPI_LEVELS: readonly KpiLevel[] = ['city', 'district', 'street'];

/**
 * The two kinds of period: calendar months in the city's time zone (one store bucket per month,
 * starting at the month's first instant), and the rolling 24 h, kept in 10-minute buckets of the
 * `received` time (the rolling window is the 144 buckets up to and including the watermark's).
 */
export type PeriodKind = 'month' | 'rolling';
export const ROLLING_BUCKET_MS = 10 * 60_000;
export const ROLLING_BUCKETS = 144;

/** The counters a ticket adds to, per area: the KPI definitions of packages/schema/src/hotline-kpis.ts. */
export const KPI_FIELDS = [
  'received',
  'responded',
  'respondedLate',
  'resolved',
  'resolvedLate',
  'callbacks',
  'satisfied',
] as const;
export type KpiField = (typeof KPI_FIELDS)[number];

export interface KpiContext {
  /** the city's id (the area id at level city: the pack's meta.id) */
  cityId: string;
  /** IANA time zone of the months (the pack's meta.timeZone) */
  timeZone: string;
  deadlines: HotlineDeadlines;
}

/** A counter a ticket adds one to: store bucket + field (`<level>|<area>|<name>`). */
export interface Contribution {
  bucket: number;
  field: string;
}

/** The store bucket a `received` time falls in. */
export function bucketOf(receivedMs: number, kind: PeriodKind, timeZone: string): number {
  return kind === 'month'
    ? monthStartMs(monthOf(receivedMs, timeZone), timeZone)
    : Math.floor(receivedMs / ROLLING_BUCKET_MS) * ROLLING_BUCKET_MS;
}

/** an id that would make a field ambiguous is not counted at its level */
const usable = (id: string | undefined): id is string => id !== undefined && id !== '' && !id.includes('|');

/**
 * Every counter one ticket adds one to in its period, given what is known of it now. A ticket
 * without `received` adds nothing. Fields per area: the KPI_FIELDS, `rt|<bin>` and `st|<bin>` (the
 * histogram of minutes to respond and to resolve), and at district and street level, months only,
 * `cat|<category>` (每月一题). The increments of a change are the difference of two such sets
 * (`diffContributions`), so a ticket is counted once whatever order or repetition its events have.
 */
export function contributionsOf(s: TicketState | undefined, kind: PeriodKind, ctx: KpiContext): Contribution[] {
  const r = s?.t.received;
  if (!s || r === undefined) return [];
  const bucket = bucketOf(r, kind, ctx.timeZone);
  const dl = deadlineFor(s.cat, ctx.deadlines);
  const names: string[] = ['received'];
  const p = s.t.responded;
  if (p !== undefined) {
    names.push(p - r <= dl.respondMs ? 'responded' : 'respondedLate', `rt|${binOf((p - r) / 60_000)}`);
  }
  const z = s.t.resolved;
  if (z !== undefined) {
    names.push('resolved', `st|${binOf((z - r) / 60_000)}`);
    if (z - r > dl.resolveMs) names.push('resolvedLate');
  }
  if (s.t.callback !== undefined) {
    names.push('callbacks');
    if (s.sat === true) names.push('satisfied');
  }
  const out: Contribution[] = [];
  const areas: Array<[KpiLevel, string | undefined]> = [
    ['city', ctx.cityId],
    ['district', s.d],
    ['street', s.s],
  ];
  for (const [level, id] of areas) {
    if (!usable(id)) continue;
    for (const n of names) out.push({ bucket, field: `${level}|${id}|${n}` });
    if (kind === 'month' && level !== 'city') out.push({ bucket, field: `${level}|${id}|cat|${s.cat}` });
  }
  return out;
}

/** The counter increments that turn `before`'s contributions into `after`'s (+1 / −1 each). */
export function diffContributions(
  before: readonly Contribution[],
  after: readonly Contribution[],
): Array<{ bucket: number; field: string; by: number }> {
  const net = new Map<string, { bucket: number; field: string; by: number }>();
  const add = (c: Contribution, by: number) => {
    const k = `${c.bucket}|${c.field}`;
    const cur = net.get(k);
    if (cur) cur.by += by;
    else net.set(k, { bucket: c.bucket, field: c.field, by });
  };
  for (const c of before) add(c, -1);
  for (const c of after) add(c, 1);
  return [...net.values()].filter((i) => i.by !== 0);
}
