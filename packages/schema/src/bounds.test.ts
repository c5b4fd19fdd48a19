import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { MAX_EVENT_BYTES, MAX_REASON_CHARS, MAX_RAW_BYTES, deadLetter, parseCityEvent } from './parse.js';

const MB = 'x'.repeat(1024 * 1024);

const sensor = {
  v: 1,
  id: 'evt-1',
  source: 'sim.sensors',
  type: 'sensor.reading',
  eventTime: '2026-11-22T08:00:00+08:00',
  location: { lon: 121.47, lat: 31.23 },
  category: { kind: 'part', code: 'P.01.01' },
  payload: { sensorId: 's1', kind: 'noise', value: 60, unit: 'dB' },
};
const hotline = {
  ...sensor,
  type: 'hotline.ticket',
  category: { kind: 'event', code: 'E.01.01' },
  payload: { ticketId: 'T1', stage: 'dispatched', assignee: 'street-1' },
};
const delivery = {
  ...sensor,
  type: 'delivery.vehicle',
  category: { kind: 'event', code: 'E.06.02' },
  payload: { vehicleId: 'V1', company: 'sf', state: 'stopped', speedKmh: 0 },
};

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe('bounded strings (issue 7)', () => {
  it.each([
    ['sensorId', { ...sensor, payload: { ...sensor.payload, sensorId: MB } }],
    ['ticketId', { ...hotline, payload: { ...hotline.payload, ticketId: MB } }],
    ['assignee', { ...hotline, payload: { ...hotline.payload, assignee: MB } }],
    ['vehicleId', { ...delivery, payload: { ...delivery.payload, vehicleId: MB } }],
    ['company', { ...delivery, payload: { ...delivery.payload, company: MB } }],
    ['location.gridId', { ...sensor, location: { ...sensor.location, gridId: MB } }],
    ['eventTime fraction', { ...sensor, eventTime: `2026-11-22T08:00:00.${'1'.repeat(100_000)}+08:00` }],
  ])('rejects a megabyte %s, with a short reason', (_, input) => {
    const r = parseCityEvent(input);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
  });

  it.each([
    ['payload.sensorId', { ...sensor, payload: { ...sensor.payload, sensorId: 'x'.repeat(1000) } }],
    ['payload.ticketId', { ...hotline, payload: { ...hotline.payload, ticketId: 'x'.repeat(1000) } }],
    ['payload.assignee', { ...hotline, payload: { ...hotline.payload, assignee: 'x'.repeat(1000) } }],
    ['payload.vehicleId', { ...delivery, payload: { ...delivery.payload, vehicleId: 'x'.repeat(1000) } }],
    ['payload.company', { ...delivery, payload: { ...delivery.payload, company: 'x'.repeat(1000) } }],
    ['location.streetId', { ...sensor, location: { ...sensor.location, streetId: 'x'.repeat(1000) } }],
    ['eventTime', { ...sensor, eventTime: `2026-11-22T08:00:00.${'1'.repeat(1000)}+08:00` }],
  ])('rejects a 1,000-character %s within the event limit, naming the field', (field, input) => {
    const r = parseCityEvent(input);
    expect(r).toMatchObject({ ok: false, code: ErrorCodes.EVT_SCHEMA });
    expect(r.ok ? '' : r.reason).toContain(`${field}:`);
  });

  it('still accepts each type with ordinary strings', () => {
    for (const e of [sensor, hotline, delivery]) expect(parseCityEvent(e)).toMatchObject({ ok: true });
  });

  it('rejects a whole event over MAX_EVENT_BYTES with E_EVT_TOO_LARGE, even when each string is short', () => {
    const wide = { ...sensor, extra: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])) };
    const r = parseCityEvent(wide);
    expect(r).toMatchObject({ ok: false, code: ErrorCodes.EVT_TOO_LARGE });
    expect(r.ok ? '' : r.reason).toContain(String(MAX_EVENT_BYTES));
  });

  it('caps a reason that would quote a megabyte unknown key', () => {
    const r = parseCityEvent({ ...sensor, payload: { ...sensor.payload, [MB.slice(0, 10_000)]: 1 } });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
  });

  it('answers a deeply nested or huge envelope version without quoting it whole', () => {
    for (const v of [nested(10_000), MB]) {
      const r = parseCityEvent({ ...sensor, v });
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    }
  });

  it('rejects a deeply nested value anywhere in the envelope, without recursing to its depth', () => {
    const r = parseCityEvent({ ...sensor, payload: { ...sensor.payload, sensorId: nested(10_000) } });
    expect(r).toMatchObject({ ok: false });
  });

  it('rejects impossible calendar dates (day 31 of a 30-day month)', () => {
    expect(parseCityEvent({ ...sensor, eventTime: '2026-11-31T08:00:00+08:00' })).toMatchObject({
      ok: false,
      code: ErrorCodes.EVT_SCHEMA,
    });
  });
});

describe('deadLetter is bounded for any input (issue 7)', () => {
  it('serialises an array nested 10,000 deep without overflowing the stack, capped in bytes', () => {
    const d = deadLetter(ErrorCodes.EVT_SCHEMA, 'r', 'http', nested(10_000));
    expect(d.raw.startsWith('[[[[')).toBe(true);
    expect(utf8(d.raw)).toBeLessThanOrEqual(MAX_RAW_BYTES);
    expect(d.truncated).toBe(true);
    expect(() => JSON.stringify(d)).not.toThrow();
  });

  it('caps a huge value and a huge text in UTF-8 bytes, and caps the reason', () => {
    const big = { a: '数'.repeat(100_000), b: [1, 2, 3] };
    const d = deadLetter(ErrorCodes.EVT_SCHEMA, MB, 'http', big);
    expect(utf8(d.raw)).toBeLessThanOrEqual(MAX_RAW_BYTES);
    expect(d.raw.startsWith('{"a":"数数')).toBe(true);
    expect(d.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    const t = deadLetter(ErrorCodes.EVT_NOT_JSON, 'r', 'http', `{${'数'.repeat(100_000)}`);
    expect(utf8(t.raw)).toBeLessThanOrEqual(MAX_RAW_BYTES);
    expect(t.truncated).toBe(true);
  });

  it('keeps a small input exact: the same text JSON.stringify gives', () => {
    const value = { a: [1, 'two', null, true, { b: -1.5e-7 }], 'q"\n': '\u2028é' };
    const d = deadLetter(ErrorCodes.EVT_SCHEMA, 'r', 'http', value);
    expect(d.raw).toBe(JSON.stringify(value));
    expect(d.truncated).toBeUndefined();
  });

  it('serialises a value with a cycle, bounded', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(utf8(deadLetter(ErrorCodes.EVT_SCHEMA, 'r', 'http', a).raw)).toBeLessThanOrEqual(MAX_RAW_BYTES);
  });
});
