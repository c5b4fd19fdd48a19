import { describe, expect, it } from 'vitest';
import { CityEvent, type HotlineKpiArea } from '@cityops/schema';
import { DEFAULT_HOTLINE_DEADLINES, deadlineFor } from './deadlines.js';
import { FIXTURE_CITY, FIXTURE_EXPECTED, fixtureEvents } from './fixture.js';
import { binOf, binValue, exactMedian, histogramMedian } from './histogram.js';
import { KpiBook, ROLLING_PERIOD, kpisFromFields } from './kpis.js';
import { contributionsOf, diffContributions } from './contributions.js';
import { monthOf, monthStartMs, previousMonth } from './time.js';
import { applyStage, stageEventOf, type StageEvent, type TicketState } from './ticket.js';

const ctx = { ...FIXTURE_CITY, deadlines: DEFAULT_HOTLINE_DEADLINES };
const stageEvents = (): StageEvent[] => fixtureEvents().map((e) => stageEventOf(CityEvent.parse(e))!);

function book(events: StageEvent[]): KpiBook {
  const b = new KpiBook(ctx);
  for (const e of events) b.add(e);
  return b;
}

const counts = (a: HotlineKpiArea | undefined) =>
  a && {
    received: a.received,
    responded: a.responded,
    respondedLate: a.respondedLate,
    resolved: a.resolved,
    resolvedLate: a.resolvedLate,
    callbacks: a.callbacks,
    satisfied: a.satisfied,
  };

describe('the hand-computed ticket set', () => {
  const b = book(stageEvents());

  it('June at every level: late, unresolved, unsatisfied, duplicates, out of order, E.05, month boundary', () => {
    for (const level of ['city', 'district', 'street'] as const) {
      const k = b.kpis(level, '2025-06');
      const want = FIXTURE_EXPECTED.june[level] as Record<string, unknown>;
      expect(Object.fromEntries(k.areas.map((a) => [a.id, counts(a)]))).toEqual(want);
    }
    const city = b.kpis('city', '2025-06').areas[0]!;
    expect(city.responseRate).toBeCloseTo(6 / 9, 12);
    expect(city.resolutionRate).toBeCloseTo(6 / 9, 12);
    expect(city.satisfactionRate).toBeCloseTo(3 / 5, 12);
    expect(city.medianResponseMin).toBe(FIXTURE_EXPECTED.june.cityMedianResponseMin);
    expect(city.medianResolveMin).toBe(FIXTURE_EXPECTED.june.cityMedianResolveMin);
  });

  it('July and May hold only their own tickets (months in Shanghai time, not UTC)', () => {
    expect(counts(b.kpis('city', '2025-07').areas[0])).toEqual(FIXTURE_EXPECTED.july.city.sh);
    expect(counts(b.kpis('street', '2025-07').areas.find((a) => a.id === 'S1'))).toEqual(
      FIXTURE_EXPECTED.july.street.S1,
    );
    expect(counts(b.kpis('city', '2025-05').areas[0])).toEqual(FIXTURE_EXPECTED.may.city.sh);
    expect(b.kpis('city', '2025-08').areas).toEqual([]);
  });

  it('the rolling 24 h ends at the last event time', () => {
    const k = b.kpis('city', ROLLING_PERIOD);
    expect(k.asOf).toBe(FIXTURE_EXPECTED.rolling.watermark);
    expect(counts(k.areas[0])).toEqual(FIXTURE_EXPECTED.rolling.city.sh);
    expect(k.areas[0]!.medianResponseMin).toBe(30);
  });

  it('红黑榜 with a minimum volume, and 每月一题 against last month', () => {
    const r = b.rankings('street', '2025-06', { minReceived: 3 });
    expect(r.red.map((x) => x.area.id)).toEqual(FIXTURE_EXPECTED.rankings.red);
    expect(r.black.map((x) => x.area.id)).toEqual(FIXTURE_EXPECTED.rankings.black);
    expect(r.red[0]!.score).toBeCloseTo((2 / 3 + 1 + 1 / 2) / 3, 12);
    expect(r.red.map((x) => x.rank)).toEqual([1, 2]);
    expect(r.topProblems[0]).toMatchObject(FIXTURE_EXPECTED.rankings.top);
    // with the default minimum (30) no street of three tickets is ranked
    const d = b.rankings('street', '2025-06');
    expect(d.minReceived).toBe(30);
    expect(d.red).toEqual([]);
    expect(d.black).toEqual([]);
  });

  it('gives the same figures for every order of the events (shuffled, reversed)', () => {
    const events = stageEvents();
    const want = JSON.stringify(['city', 'district', 'street'].map((l) => b.kpis(l as 'city', '2025-06')));
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 20; n++) {
      const shuffled = [...events].sort(() => rnd() - 0.5);
      const got = book(n === 0 ? [...events].reverse() : shuffled);
      expect(JSON.stringify(['city', 'district', 'street'].map((l) => got.kpis(l as 'city', '2025-06')))).toBe(want);
    }
  });

  it('counts every event twice as once', () => {
    const events = stageEvents();
    const twice = book([...events, ...events]);
    expect(JSON.stringify(twice.kpis('street', '2025-06'))).toBe(JSON.stringify(b.kpis('street', '2025-06')));
  });
});

describe('the per-ticket fold', () => {
  const e = (stage: StageEvent['stage'], at: number, extra: Partial<StageEvent> = {}): StageEvent => ({
    ticketId: 'X',
    stage,
    at,
    category: 'E.07.01',
    districtId: 'D1',
    streetId: 'S1',
    ...extra,
  });

  it('the earliest time of a stage wins; a later repeat changes nothing (same object)', () => {
    const s = applyStage(applyStage(undefined, e('received', 0)), e('responded', 200 * 60_000));
    const earlier = applyStage(s, e('responded', 100 * 60_000));
    expect(earlier.t.responded).toBe(100 * 60_000);
    expect(applyStage(earlier, e('responded', 150 * 60_000))).toBe(earlier);
  });

  it('the place and category are those of the received stage, whichever arrives first', () => {
    const s = applyStage(undefined, e('responded', 10, { streetId: 'S9', districtId: 'D9', category: 'E.01.01' }));
    expect(contributionsOf(s, 'month', ctx)).toEqual([]);
    const r = applyStage(s, e('received', 0));
    expect([r.s, r.d, r.cat]).toEqual(['S1', 'D1', 'E.07.01']);
  });

  it('an earlier duplicate response moves the ticket from late to on time (a −1 and a +1)', () => {
    const late = applyStage(applyStage(undefined, e('received', 0)), e('responded', 130 * 60_000));
    const onTime = applyStage(late, e('responded', 100 * 60_000));
    const inc = diffContributions(contributionsOf(late, 'month', ctx), contributionsOf(onTime, 'month', ctx));
    const city = inc.filter((i) => i.field.startsWith('city|')).map((i) => [i.field, i.by]);
    expect(city).toEqual(
      expect.arrayContaining([
        ['city|sh|respondedLate', -1],
        ['city|sh|responded', 1],
      ]),
    );
    expect(inc.every((i) => i.bucket === monthStartMs('1970-01', 'Asia/Shanghai'))).toBe(true);
  });

  it('disagreeing callbacks at the same instant: unsatisfied, in either order', () => {
    const base: TicketState = applyStage(undefined, e('received', 0));
    const a = applyStage(
      applyStage(base, e('callback', 5, { satisfied: true })),
      e('callback', 5, { satisfied: false }),
    );
    const b = applyStage(
      applyStage(base, e('callback', 5, { satisfied: false })),
      e('callback', 5, { satisfied: true }),
    );
    expect([a.sat, b.sat]).toEqual([false, false]);
  });
});

describe('deadlines, months and histograms', () => {
  it('the longest matching category prefix wins', () => {
    const d = {
      respondMinutes: 120,
      resolveMinutes: 480,
      byCategory: [
        { prefix: 'E.05', respondMinutes: 30, resolveMinutes: 120 },
        { prefix: 'E.05.01', respondMinutes: 15, resolveMinutes: 60 },
      ],
    };
    expect(deadlineFor('E.05.02', d)).toEqual({ respondMs: 30 * 60_000, resolveMs: 120 * 60_000 });
    expect(deadlineFor('E.05.01', d)).toEqual({ respondMs: 15 * 60_000, resolveMs: 60 * 60_000 });
    expect(deadlineFor('E.07.01', d)).toEqual({ respondMs: 120 * 60_000, resolveMs: 480 * 60_000 });
  });

  it('months in the city time zone, including one with a daylight-saving change', () => {
    expect(monthOf(Date.parse('2025-06-30T16:10:00Z'), 'Asia/Shanghai')).toBe('2025-07');
    expect(monthStartMs('2025-07', 'Asia/Shanghai')).toBe(Date.parse('2025-06-30T16:00:00Z'));
    // New York: EDT (UTC−4) in April, EST (UTC−5) in December
    expect(monthStartMs('2025-04', 'America/New_York')).toBe(Date.parse('2025-04-01T04:00:00Z'));
    expect(monthStartMs('2025-12', 'America/New_York')).toBe(Date.parse('2025-12-01T05:00:00Z'));
    expect(previousMonth('2025-01')).toBe('2024-12');
    expect(() => monthStartMs('2025-13', 'Asia/Shanghai')).toThrow(RangeError);
  });

  it('a histogram median is within half a bin of the exact one', () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 1; n < 60; n++) {
      const xs = Array.from({ length: n }, () => Math.exp(rnd() * 8));
      const bins = new Map<number, number>();
      for (const x of xs) bins.set(binOf(x), (bins.get(binOf(x)) ?? 0) + 1);
      const exact = exactMedian(xs)!;
      const approx = histogramMedian(bins)!;
      const width = exact < 60 ? 1 : exact < 180 ? 2 : exact < 600 ? 5 : exact < 1440 ? 15 : 60;
      expect(Math.abs(approx - exact)).toBeLessThanOrEqual(width / 2 + 1e-9 + (xs.length % 2 ? 0 : width / 2));
    }
    expect(binValue(binOf(42.2))).toBe(42.5);
    expect(binValue(binOf(61))).toBe(61);
    expect(histogramMedian(new Map())).toBeNull();
  });

  it('areas with no received ticket are left out, never shown as zero', () => {
    expect(kpisFromFields(new Map([['street|S1|responded', 1]]), 'street', '2025-06', null).areas).toEqual([]);
  });
});
