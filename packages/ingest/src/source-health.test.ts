import { describe, expect, it } from 'vitest';
import { sourceAuthorizer } from './credentials.js';
import type { IngestItem, IngestResult } from './ingestor.js';
import { DoorTally, SilenceWatch, type SourceRow } from './source-health.js';

const item = (source: string, eventTime = '2026-11-22T01:00:00.000Z'): IngestItem => ({
  ok: true,
  value: { id: 'x', source, eventTime },
});
const result = (r: Partial<IngestResult>): IngestResult => ({
  accepted: r.acceptedIndexes?.length ?? 0,
  duplicates: 0,
  rejected: [],
  retry: [],
  acceptedIndexes: [],
  ...r,
});

describe('DoorTally', () => {
  it('counts each item under its envelope source: accepted, duplicate, rejected (dead-lettered), retry', () => {
    let now = Date.UTC(2026, 10, 22, 1, 0, 0);
    const t = new DoorTally(() => now);
    t.record(
      [item('sim.sensors'), item('sim.sensors'), item('sim.logistics'), item('sim.logistics'), item('sim.sensors')],
      result({
        acceptedIndexes: [0, 2],
        rejected: [{ index: 3, code: 'E_EVT_SCHEMA', reason: 'bad' }],
        retry: [{ index: 4, code: 'E_EVT_IN_FLIGHT', reason: 'later' }],
      }),
    );
    now += 1000;
    const rows = Object.fromEntries(t.rowsNow().map((r) => [r.source, r]));
    expect(rows['sim.sensors']).toMatchObject({
      name: 'events/sim.sensors',
      accepted: 1,
      duplicates: 1,
      retry: 1,
      rejected: 0,
    });
    expect(rows['sim.logistics']).toMatchObject({
      accepted: 1,
      rejected: 1,
      deadLettered: 1,
      lastError: { code: 'E_EVT_SCHEMA' },
      lastEventTime: '2026-11-22T01:00:00.000Z',
      connection: 'http',
    });
    expect(rows['sim.sensors']!.eventsPerSecond).toBeCloseTo(1 / 60);
    now += 61_000;
    expect(t.rowsNow().every((r) => r.eventsPerSecond === 0)).toBe(true);
  });

  it('holds at most 200 sources by name; the rest count as other', () => {
    const t = new DoorTally();
    const items = Array.from({ length: 250 }, (_, i) => item(`s-${i}`));
    t.record(items, result({ acceptedIndexes: items.map((_, i) => i) }));
    const rows = t.rowsNow();
    expect(rows).toHaveLength(201);
    expect(rows.find((r) => r.source === 'other')!.accepted).toBe(50);
  });
});

const row = (accepted: number, lastEventAt: string | null): SourceRow => ({
  name: 'mqtt',
  source: 'mqtt',
  eventsPerSecond: 0,
  lastEventAt,
  lastEventTime: null,
  accepted,
  duplicates: 0,
  rejected: accepted > 0 ? 1 : 0,
  deadLettered: 0,
  retry: 0,
  unmapped: {},
  lastError: null,
  connection: 'connected',
  queued: 0,
});

describe('SilenceWatch', () => {
  it('learns the usual interval and calls a source silent after 5 of them without an event, not before', () => {
    let now = 0;
    const w = new SilenceWatch({ now: () => now, minSilentMs: 1000 });
    const at = (t: number) => new Date(t).toISOString();
    w.sample([row(0, null)]);
    for (let i = 1; i <= 5; i++) {
      now = i * 2000;
      w.sample([row(i, at(now))]);
    }
    now = 10_000 + 9_000;
    const quiet = w.sample([row(5, at(10_000))])[0]!;
    expect(quiet.usualIntervalMs).toBe(2000);
    expect(quiet).toMatchObject({ silentAfterMs: 10_000, silent: false });
    now = 10_000 + 10_001;
    expect(w.sample([row(5, at(10_000))])[0]!.silent).toBe(true);
    expect(w.sample([row(5, at(10_000))])[0]!.rejectedPct).toBe(16.7);
  });

  it('a source that never sent is not silent, and has no rejected % yet', () => {
    const w = new SilenceWatch({ now: () => 1e9 });
    expect(w.sample([row(0, null)])[0]).toMatchObject({ silent: false, rejectedPct: null, silentAfterMs: 60_000 });
  });
});

describe('sourceAuthorizer (the adapters’ HTTP routes)', () => {
  const auth = sourceAuthorizer([
    { key: 'ngsi-key-000000000001', sources: ['ngsi'] },
    { key: 'any-key-0000000000001', sources: null },
  ]);
  const h = (key?: string): Record<string, string> => (key ? { 'x-api-key': key } : {});

  it('401 without a key or with a wrong one, 403 for a key of another source, ok for its own or a plain key', () => {
    expect(auth({ adapter: 'ngsi', source: 'ngsi', headers: h() })).toMatchObject({ ok: false, status: 401 });
    expect(auth({ adapter: 'ngsi', source: 'ngsi', headers: h('wrong-key-00000000001') })).toMatchObject({
      status: 401,
    });
    expect(auth({ adapter: 'open311', source: 'open311', headers: h('ngsi-key-000000000001') })).toMatchObject({
      ok: false,
      status: 403,
      code: 'E_HTTP_FORBIDDEN_SOURCE',
    });
    expect(auth({ adapter: 'ngsi', source: 'ngsi', headers: h('ngsi-key-000000000001') })).toEqual({ ok: true });
    expect(auth({ adapter: 'open311', source: 'open311', headers: h('any-key-0000000000001') })).toEqual({ ok: true });
  });

  it("takes the body's credential (Open311 api_key) before the headers", () => {
    expect(auth({ adapter: 'ngsi', source: 'ngsi', credential: 'ngsi-key-000000000001', headers: {} })).toEqual({
      ok: true,
    });
    expect(
      auth({
        adapter: 'ngsi',
        source: 'ngsi',
        credential: 'wrong-key-00000000001',
        headers: h('ngsi-key-000000000001'),
      }),
    ).toMatchObject({ status: 401 });
  });
});
