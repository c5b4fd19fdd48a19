import { loadCityPack, mulberry32 } from '@cityops/city';
import type { CityEvent } from '@cityops/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { packContext, ruleEnv, type PackContext } from '../env.js';
import { hotlineSurgeRule, negBinomialTail, poissonTail } from './hotline-surge.js';
import { fold } from '../test/fold-rule.js';
import type { RuleEnv } from './rule.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2025-06-02T07:00:00+08:00');

let seq = 0;
function ticket(
  t: number,
  street: string,
  code = 'E.05.07',
  stage: 'received' | 'dispatched' = 'received',
  ticketId?: string,
): CityEvent {
  const district = street.replace(/-s\d+$/, '');
  return {
    v: 1,
    id: `e${++seq}`,
    source: 'hotline-12345',
    type: 'hotline.ticket',
    eventTime: new Date(t).toISOString(),
    location: { lon: 121.4, lat: 31.2, districtId: district, streetId: street, gridId: `${street}-g` },
    category: { kind: 'event', code },
    payload: { ticketId: ticketId ?? `T${seq}`, stage, channel: 'phone' },
  };
}

/** A usual day for one category in one district: Poisson arrivals following the default profile, streets by grid cells. */
function usualDay(ctx: PackContext, district: string, code: string, perHour: number, hours: number, seed: number) {
  const rand = mulberry32(seed);
  const comm = new Map(ctx.pack.communities.map((c) => [c.id, c.parentId]));
  const cells = ctx.pack.grids.map((g) => comm.get(g.parentId)!).filter((s) => s.startsWith(`${district}-`));
  const profile = [
    0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.7, 1.2, 1.6, 1.8, 1.75, 1.45, 1.35, 1.55, 1.65, 1.55, 1.3, 1.1, 1.05, 1.1,
    0.95, 0.7, 0.4,
  ];
  const mean = profile.reduce((a, b) => a + b) / 24;
  const peak = (perHour * Math.max(...profile)) / mean;
  const out: CityEvent[] = [];
  for (let t = T0; t < T0 + hours * HOUR;) {
    t += (-Math.log(1 - rand()) / peak) * HOUR;
    const h = new Date(t + 8 * HOUR).getUTCHours();
    if (rand() < profile[h]! / Math.max(...profile))
      out.push(ticket(t, cells[Math.floor(rand() * cells.length)]!, code));
  }
  return out;
}

let ctx: PackContext;
let env: RuleEnv;
beforeAll(() => {
  ctx = packContext(loadCityPack());
  env = ruleEnv(ctx, hotlineSurgeRule);
});

describe('poissonTail', () => {
  it('matches the closed forms', () => {
    expect(poissonTail(0, 3)).toBe(1);
    expect(poissonTail(1, 0.5)).toBeCloseTo(1 - Math.exp(-0.5), 12);
    expect(poissonTail(2, 1)).toBeCloseTo(1 - 2 / Math.E, 12);
    const l = 0.01;
    expect(poissonTail(3, l) / (1 - Math.exp(-l) * (1 + l + (l * l) / 2))).toBeCloseTo(1, 6);
    expect(poissonTail(2, 0)).toBe(0);
  });

  it('widens to the negative binomial when the rate is uncertain, and tends to Poisson when it is known', () => {
    // shape 1: geometric, P(N >= k) = q^k with q = mean / (1 + mean)
    expect(negBinomialTail(3, 0.5, 1)).toBeCloseTo((0.5 / 1.5) ** 3, 12);
    expect(negBinomialTail(3, 0.2, 1e5)).toBeCloseTo(poissonTail(3, 0.2), 6);
    expect(negBinomialTail(4, 0.1, 2)).toBeGreaterThan(poissonTail(4, 0.1));
  });
});

describe('hotline_surge', () => {
  it('raises on the first few calls of a surge in one street, updates as calls come, clears when the street is quiet', () => {
    const street = 'sh-putuo-s04';
    const calls = Array.from({ length: 12 }, (_, i) => ticket(T0 + 2 * HOUR + i * 2.5 * MIN, street));
    const { alerts, states } = fold(hotlineSurgeRule, env, calls, { until: T0 + 4 * HOUR });
    const raised = alerts.filter((a) => a.state === 'raised');
    expect(raised).toHaveLength(1);
    expect(raised[0]!.metrics!.tickets).toBeLessThanOrEqual(4);
    expect(raised[0]!.metrics!.pValue).toBeLessThan(1e-4);
    expect(raised[0]!.place).toMatchObject({ streetId: street, districtId: 'sh-putuo' });
    expect(raised[0]!.categoryCode).toBe('E.05.07');
    expect(raised[0]!.severity).toBe('major'); // power cuts (E.05) are emergencies
    expect(raised[0]!.firstSignalAt).toBe(Date.parse(calls[0]!.eventTime));
    expect(raised[0]!.evidence).toContain(calls[0]!.id);
    expect(raised[0]!.summary.zh).toMatch(/投诉激增/);
    expect(alerts.filter((a) => a.state === 'updated').length).toBe(12 - raised[0]!.metrics!.tickets!);
    const cleared = alerts.filter((a) => a.state === 'cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]!.detectedAt).toBe(Date.parse(calls[11]!.eventTime) + 30 * MIN);
    expect(new Set(alerts.map((a) => a.incidentKey)).size).toBe(1);
    expect(states.size).toBe(1);
  });

  it('fires on the second call when the baseline is rare enough', () => {
    const rare = ruleEnv(ctx, hotlineSurgeRule, { hotline_surge: { priorPerCellHour: 1e-6 } });
    const calls = [
      ticket(T0 + HOUR, 'sh-jingan-s02', 'E.05.02'),
      ticket(T0 + HOUR + 4 * MIN, 'sh-jingan-s02', 'E.05.02'),
    ];
    const { alerts } = fold(hotlineSurgeRule, rare, calls);
    expect(alerts.map((a) => [a.state, a.metrics!.tickets])).toEqual([['raised', 2]]);
  });

  it('does not fire on the usual day: the morning and evening waves of a busy category over a whole district', () => {
    for (const seed of [1, 2, 3]) {
      const day = usualDay(ctx, 'sh-pudong', 'E.06.01', 12, 24, seed);
      expect(day.length).toBeGreaterThan(200);
      const { alerts } = fold(hotlineSurgeRule, env, day);
      expect(alerts.filter((a) => a.state === 'raised')).toHaveLength(0);
    }
  });

  it('learns a busier district: after a few usual hours, a rate that would have fired from the prior does not', () => {
    // 40 calls an hour of parking in Putuo, far above the prior (0.002 per cell per hour)
    const day = usualDay(ctx, 'sh-putuo', 'E.06.01', 40, 12, 9);
    const { alerts } = fold(hotlineSurgeRule, env, day);
    const late = alerts.filter((a) => a.state === 'raised' && a.detectedAt > T0 + 3 * HOUR);
    expect(late).toHaveLength(0);
  });

  it('counts a ticket once, ignores later stages, and keeps other categories and streets apart', () => {
    const street = 'sh-putuo-s04';
    const one = ticket(T0 + HOUR, street, 'E.05.07', 'received', 'T-dup');
    const again = { ...one, id: 'other-event-id' };
    const stages = Array.from({ length: 6 }, (_, i) => ticket(T0 + HOUR + i * MIN, street, 'E.05.07', 'dispatched'));
    const spread = ['E.01.01', 'E.03.01', 'E.04.05'].map((c, i) => ticket(T0 + HOUR + i * MIN, street, c));
    const streets = ['sh-putuo-s01', 'sh-putuo-s02', 'sh-putuo-s03'].map((s, i) => ticket(T0 + HOUR + i * MIN, s));
    const { alerts } = fold(hotlineSurgeRule, env, [one, again, ...stages, ...spread, ...streets]);
    expect(alerts).toHaveLength(0);
  });

  it('survives a restart and a late call: same alerts through JSON, a late call counted in its place', () => {
    const street = 'sh-xuhui-s03';
    const calls = Array.from({ length: 10 }, (_, i) => ticket(T0 + HOUR + i * 3 * MIN, street, 'E.07.01'));
    const a = fold(hotlineSurgeRule, env, calls, { roundTrip: false, until: T0 + 3 * HOUR }).alerts;
    const b = fold(hotlineSurgeRule, env, calls, { until: T0 + 3 * HOUR }).alerts;
    expect(b).toEqual(a);
    expect(a.filter((x) => x.state === 'raised')).toHaveLength(1);
    const swapped = [...calls];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    const c = fold(hotlineSurgeRule, env, swapped, { until: T0 + 3 * HOUR }).alerts;
    expect(c.filter((x) => x.state === 'raised')).toHaveLength(1);
    expect(c.filter((x) => x.state === 'cleared')).toHaveLength(1);
  });
});
