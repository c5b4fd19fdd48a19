import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '@cityops/bus';
import { DEFAULT_HOTLINE_DEADLINES, type StageEvent } from '@cityops/hotline-kpis';
import { ErrorCodes, Topics } from '@cityops/schema';
import type { FoldOutput } from '@cityops/stream';
import { HOTLINE_RECORD_ERROR, hotlineRouterStage, hotlineTicketStage } from './stages.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ctx = { cityId: 'sh', timeZone: 'Asia/Shanghai', deadlines: DEFAULT_HOTLINE_DEADLINES };
const T0 = Date.parse('2025-06-10T09:00:00+08:00');

let offset = 0;
const rec = (value: unknown): ConsumedRecord =>
  ({
    topic: 't',
    partition: 0,
    offset: offset++,
    key: null,
    value: typeof value === 'string' ? value : JSON.stringify(value),
    timestamp: Date.now(),
    headers: {},
  }) as unknown as ConsumedRecord;
const ev = (ticketId: string, stage: StageEvent['stage'], at: number, extra: Partial<StageEvent> = {}): StageEvent => ({
  ticketId,
  stage,
  at,
  category: 'E.07.01',
  districtId: 'D1',
  streetId: 'S1',
  ...extra,
});

/** runs a stage's fold like the runner: state and watermark carried over between batches */
function runner(stage: ReturnType<typeof hotlineTicketStage>) {
  const state = new Map<string, string>();
  let watermark: number | null = null;
  const totals = new Map<string, number>();
  return {
    state,
    totals,
    fold(records: ConsumedRecord[]): FoldOutput {
      const out = stage.fold({ topic: 't', partition: 0, records, watermark, state });
      for (const [k, v] of out.set ?? []) state.set(k, v);
      for (const k of out.del ?? []) state.delete(k);
      for (const i of out.increments ?? []) totals.set(i.field, (totals.get(i.field) ?? 0) + i.by);
      watermark = out.watermark;
      return out;
    },
  };
}

describe('the month ticket stage', () => {
  it("expires a ticket's state 3 days after its callback, and a late repeat of it is dropped, not counted again", () => {
    const r = runner(hotlineTicketStage({ group: 'g', kind: 'month', ctx }));
    r.fold([
      rec(ev('A', 'received', T0)),
      rec(ev('A', 'responded', T0 + HOUR)),
      rec(ev('A', 'callback', T0 + 2 * HOUR, { satisfied: true })),
    ]);
    expect(r.state.has('t:A')).toBe(true);
    // another ticket moves time on by 3 days and a bit: A's state goes
    r.fold([rec(ev('B', 'received', T0 + 2 * HOUR + 3 * DAY + 1))]);
    expect(r.state.has('t:A')).toBe(false);
    expect(r.state.has('t:B')).toBe(true);
    // A's received comes again (a resend): no state any more, and older than the watermark − 3 days
    const out = r.fold([rec(ev('A', 'received', T0))]);
    expect(out.dropped?.[ErrorCodes.EVT_TOO_LATE]).toBe(1);
    expect(r.totals.get('city|sh|received')).toBe(2);
    expect(r.totals.get('city|sh|responded')).toBe(1);
  });

  it('keeps a ticket without callback for 35 days after its latest stage', () => {
    const r = runner(hotlineTicketStage({ group: 'g', kind: 'month', ctx }));
    r.fold([rec(ev('A', 'received', T0))]);
    r.fold([rec(ev('B', 'received', T0 + 34 * DAY))]);
    expect(r.state.has('t:A')).toBe(true);
    r.fold([rec(ev('B', 'dispatched', T0 + 35 * DAY))]);
    expect(r.state.has('t:A')).toBe(false);
  });

  it('a redelivered batch (its output not applied) decides the same, expiry included', () => {
    const stage = hotlineTicketStage({ group: 'g', kind: 'month', ctx });
    const state = new Map<string, string>();
    const first = stage.fold({
      topic: 't',
      partition: 0,
      records: [rec(ev('A', 'received', T0)), rec(ev('A', 'callback', T0 + 1))],
      watermark: null,
      state,
    });
    for (const [k, v] of first.set ?? []) state.set(k, v);
    const batch = [rec(ev('B', 'received', T0 + 4 * DAY))];
    const a = stage.fold({ topic: 't', partition: 0, records: batch, watermark: first.watermark, state });
    // not applied (say the store's answer was lost and the batch came again): the same output
    const b = stage.fold({ topic: 't', partition: 0, records: batch, watermark: first.watermark, state });
    expect(a.del).toEqual(['t:A']);
    expect(b).toEqual(a);
  });

  it('an event from the far future does not move time (and expire every ticket) beyond its append time', () => {
    const r = runner(hotlineTicketStage({ group: 'g', kind: 'month', ctx }));
    r.fold([rec(ev('A', 'received', T0)), rec(ev('A', 'callback', T0 + 1))]);
    const now = T0 + HOUR;
    const out = r.fold([{ ...rec(ev('Z', 'received', T0 + 400 * DAY)), timestamp: now } as ConsumedRecord]);
    expect(out.watermark).toBe(now + 5 * 60_000);
    expect(r.state.has('t:A')).toBe(true);
  });

  it('dead-letters a record of the internal topic that is not a stage event', () => {
    const r = runner(hotlineTicketStage({ group: 'g', kind: 'month', ctx }));
    const out = r.fold([rec('{"ticketId":1}'), rec('not json')]);
    expect(out.dropped?.[HOTLINE_RECORD_ERROR]).toBe(2);
    expect(out.outgoing?.map((o) => o.topic)).toEqual([Topics.dlq, Topics.dlq]);
  });
});

describe('the router', () => {
  it('sends hotline tickets to the internal topic keyed by ticket id, and nothing else', () => {
    const stage = hotlineRouterStage({ group: 'g', byTicketTopic: 'bt' });
    const base = {
      v: 1,
      source: 'hotline-12345',
      eventTime: '2025-06-10T01:00:00Z',
      location: { lon: 121.4, lat: 31.2, streetId: 'S1', districtId: 'D1' },
    };
    const out = stage.fold({
      topic: 'ev',
      partition: 0,
      watermark: null,
      state: new Map(),
      records: [
        rec({
          ...base,
          id: 'a',
          type: 'hotline.ticket',
          category: { kind: 'event', code: 'E.07.01' },
          payload: { ticketId: 'T1', stage: 'received' },
        }),
        rec({
          ...base,
          id: 'b',
          source: 'sim.sensors',
          type: 'sensor.reading',
          category: { kind: 'part', code: 'P.01.01' },
          payload: { sensorId: 's', kind: 'noise', value: 50, unit: 'dB' },
        }),
        rec('garbage'),
      ],
    });
    expect(out.outgoing).toHaveLength(1);
    expect(out.outgoing![0]).toMatchObject({ topic: 'bt', key: 'T1' });
    expect(JSON.parse(out.outgoing![0]!.value)).toMatchObject({
      ticketId: 'T1',
      stage: 'received',
      category: 'E.07.01',
      streetId: 'S1',
    });
    expect(out.dropped?.[ErrorCodes.EVT_NOT_JSON]).toBe(1);
  });
});
