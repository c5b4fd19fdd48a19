import type { CityEventInput, HotlineStage } from '@cityops/schema';

/**
 * A small ticket set whose KPIs are computed by hand (below, `FIXTURE_EXPECTED`), for the pure fold
 * and for every implementation that must agree with it (the aggregator's stream stages on both
 * backends). Times are Shanghai time (UTC+8); the city is `sh`, districts `D1` (streets `S1`, `S2`)
 * and `D2` (street `S3`). Deadlines are the default ones: 120 / 480 min, `E.05` 30 / 120 min.
 *
 * T1  S1 E.07.01  responded 30, resolved 200, satisfied                       (all on time)
 * T2  S1 E.06.01  responded 150 (late), resolved 600 (late), unsatisfied
 * T3  S1 E.07.01  responded 60, never resolved
 * T4  S2 E.07.01  received twice, responded at 40 and again at 90 (dup), resolved 100, unsatisfied
 * T5  S2 E.05.02  urgent: responded 45 (late for E.05), resolved 110 (on time for E.05), satisfied
 * T6  S3 E.09.03  out of order: callback, responded 20, resolved 90, then received; satisfied
 * T7  S3 E.04.01  received only
 * T8  S3 E.07.01  received 2025-06-30 23:50 (June in Shanghai), responded 30 min later (in July)
 * T9  S1 E.07.01  received 2025-07-01 00:10 Shanghai (still June 30 in UTC): July
 * T10 S2 E.01.01  responded at 130 (late) arrives first, then an earlier responded at 100 (on time)
 * T12 S1 E.07.01  received in May: last month's 每月一题 count
 *
 * The file order is event time except within tickets (T12 first, T8 and T9 last): the stream
 * stages drop a stage event more than their lateness behind the watermark for a ticket they hold
 * no state for, and the fixture is about the fold, not about that.
 */
const T0 = Date.parse('2025-06-10T09:00:00+08:00');
const MIN = 60_000;

interface Step {
  ticket: string;
  stage: HotlineStage;
  at: number;
  street: 'S1' | 'S2' | 'S3';
  code: string;
  satisfied?: boolean;
}

const district = (s: string) => (s === 'S3' ? 'D2' : 'D1');
const steps: Step[] = [];
const add = (
  ticket: string,
  street: Step['street'],
  code: string,
  stage: HotlineStage,
  at: number,
  satisfied?: boolean,
) => steps.push({ ticket, street, code, stage, at, ...(satisfied !== undefined ? { satisfied } : {}) });

add('T12', 'S1', 'E.07.01', 'received', Date.parse('2025-05-20T10:00:00+08:00'));
const t1 = T0;
add('T1', 'S1', 'E.07.01', 'received', t1);
add('T1', 'S1', 'E.07.01', 'dispatched', t1 + 5 * MIN);
add('T1', 'S1', 'E.07.01', 'responded', t1 + 30 * MIN);
add('T1', 'S1', 'E.07.01', 'resolved', t1 + 200 * MIN);
add('T1', 'S1', 'E.07.01', 'callback', t1 + 300 * MIN, true);
const t2 = T0 + 10 * MIN;
add('T2', 'S1', 'E.06.01', 'received', t2);
add('T2', 'S1', 'E.06.01', 'responded', t2 + 150 * MIN);
add('T2', 'S1', 'E.06.01', 'resolved', t2 + 600 * MIN);
add('T2', 'S1', 'E.06.01', 'callback', t2 + 700 * MIN, false);
const t3 = T0 + 20 * MIN;
add('T3', 'S1', 'E.07.01', 'received', t3);
add('T3', 'S1', 'E.07.01', 'responded', t3 + 60 * MIN);
const t4 = T0 + 30 * MIN;
add('T4', 'S2', 'E.07.01', 'received', t4);
add('T4', 'S2', 'E.07.01', 'received', t4);
add('T4', 'S2', 'E.07.01', 'responded', t4 + 40 * MIN);
add('T4', 'S2', 'E.07.01', 'responded', t4 + 90 * MIN);
add('T4', 'S2', 'E.07.01', 'resolved', t4 + 100 * MIN);
add('T4', 'S2', 'E.07.01', 'callback', t4 + 200 * MIN, false);
const t5 = T0 + 40 * MIN;
add('T5', 'S2', 'E.05.02', 'received', t5);
add('T5', 'S2', 'E.05.02', 'responded', t5 + 45 * MIN);
add('T5', 'S2', 'E.05.02', 'resolved', t5 + 110 * MIN);
add('T5', 'S2', 'E.05.02', 'callback', t5 + 150 * MIN, true);
const t6 = T0 + 50 * MIN;
add('T6', 'S3', 'E.09.03', 'callback', t6 + 120 * MIN, true);
add('T6', 'S3', 'E.09.03', 'responded', t6 + 20 * MIN);
add('T6', 'S3', 'E.09.03', 'resolved', t6 + 90 * MIN);
add('T6', 'S3', 'E.09.03', 'received', t6);
add('T7', 'S3', 'E.04.01', 'received', T0 + 60 * MIN);
const t10 = T0 + 70 * MIN;
add('T10', 'S2', 'E.01.01', 'received', t10);
add('T10', 'S2', 'E.01.01', 'responded', t10 + 130 * MIN);
add('T10', 'S2', 'E.01.01', 'resolved', t10 + 200 * MIN);
add('T10', 'S2', 'E.01.01', 'responded', t10 + 100 * MIN);
const t8 = Date.parse('2025-06-30T23:50:00+08:00');
add('T8', 'S3', 'E.07.01', 'received', t8);
add('T8', 'S3', 'E.07.01', 'responded', t8 + 30 * MIN);
add('T9', 'S1', 'E.07.01', 'received', Date.parse('2025-07-01T00:10:00+08:00'));

/** The city pack's ids the fixture uses. */
export const FIXTURE_CITY = { cityId: 'sh', timeZone: 'Asia/Shanghai' } as const;

/**
 * The fixture as canonical envelopes, in the order above (duplicates and out-of-order stages
 * included); `idPrefix` keeps ids unique per test run.
 */
export function fixtureEvents(idPrefix = 'fx', ticketPrefix = ''): CityEventInput[] {
  return steps.map((s, i) => ({
    v: 1,
    id: `${idPrefix}-${i}`,
    source: 'hotline-12345',
    type: 'hotline.ticket',
    eventTime: new Date(s.at).toISOString(),
    location: { lon: 121.47, lat: 31.23, gridId: `g-${s.street}`, streetId: s.street, districtId: district(s.street) },
    category: { kind: 'event', code: s.code },
    payload: {
      ticketId: `${ticketPrefix}${s.ticket}`,
      stage: s.stage,
      channel: 'phone',
      ...(s.satisfied !== undefined ? { satisfied: s.satisfied } : {}),
    },
  }));
}

type Counts = {
  received: number;
  responded: number;
  respondedLate: number;
  resolved: number;
  resolvedLate: number;
  callbacks: number;
  satisfied: number;
};
const c = (
  received: number,
  responded: number,
  respondedLate: number,
  resolved: number,
  resolvedLate: number,
  callbacks: number,
  satisfied: number,
): Counts => ({ received, responded, respondedLate, resolved, resolvedLate, callbacks, satisfied });

/** The hand-computed figures (see the table at the top). */
export const FIXTURE_EXPECTED = {
  june: {
    city: { sh: c(9, 6, 2, 6, 1, 5, 3) },
    district: { D1: c(6, 4, 2, 5, 1, 4, 2), D2: c(3, 2, 0, 1, 0, 1, 1) },
    street: { S1: c(3, 2, 1, 2, 1, 2, 1), S2: c(3, 2, 1, 3, 0, 2, 1), S3: c(3, 2, 0, 1, 0, 1, 1) },
    /** responded: 20,30,30,40,45,60,100,150; resolved: 90,100,110,200,200,600 */
    cityMedianResponseMin: 42.5,
    cityMedianResolveMin: 155,
  },
  july: { city: { sh: c(1, 0, 0, 0, 0, 0, 0) }, street: { S1: c(1, 0, 0, 0, 0, 0, 0) } },
  may: { city: { sh: c(1, 0, 0, 0, 0, 0, 0) } },
  /** the last event is T8's response, 2025-07-01 00:20 Shanghai: T8 and T9 are in the 24 h before */
  rolling: { city: { sh: c(2, 1, 0, 0, 0, 0, 0) }, watermark: '2025-06-30T16:20:00.000Z' },
  /**
   * June, streets, minReceived 3: scores S1 (2/3+2/3+1/2)/3, S2 (2/3+1+1/2)/3, S3 (2/3+1/3+1)/3;
   * red S2, S3; black S1. 每月一题: S1 × E.07.01 = 2 (T1, T3), May 1 (T12): change +1.
   */
  rankings: {
    red: ['S2', 'S3'],
    black: ['S1'],
    top: { areaId: 'S1', category: 'E.07.01', count: 2, previousCount: 1, change: 1 },
  },
} as const;
