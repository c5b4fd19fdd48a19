import type { ConsumedRecord } from '@cityops/bus';
import { describe, expect, it } from 'vitest';
import { eventTimeOf } from './event-time.js';

const rec = (value: string): ConsumedRecord => ({
  topic: 't',
  partition: 0,
  offset: 0,
  timestamp: 0,
  key: null,
  value,
});
const T = '2026-12-01T08:00:00.123Z';

describe('eventTimeOf', () => {
  it('reads the envelope as JSON.stringify writes it, without a parse', () => {
    const value = JSON.stringify({ v: 1, id: 'a', eventTime: T, payload: { x: 1 } });
    expect(eventTimeOf(rec(value))).toBe(Date.parse(T));
  });

  it('falls back to a parse for other spellings, and takes the envelope field over a nested one', () => {
    expect(eventTimeOf(rec(`{ "eventTime" : "${T}" }`))).toBe(Date.parse(T));
    expect(eventTimeOf(rec(`{"eventTime":"2026-12-01T16:00:00.123+08:00"}`))).toBe(Date.parse(T));
    // a payload that carries its own eventTime ahead of the envelope's
    const nested = `{"payload":{"eventTime":"2020-01-01T00:00:00Z"},"eventTime":"${T}"}`;
    expect(eventTimeOf(rec(nested))).toBe(Date.parse(T));
  });

  it('is null when there is no usable event time: the stage counts such a record as it does live', () => {
    expect(eventTimeOf(rec('not an event'))).toBeNull();
    expect(eventTimeOf(rec('{"eventTime":"yesterday"}'))).toBeNull();
    expect(eventTimeOf(rec('{"eventTime":12}'))).toBeNull();
    expect(eventTimeOf(rec('null'))).toBeNull();
  });

  it('is cached per record object', () => {
    const r = rec(JSON.stringify({ eventTime: T }));
    expect(eventTimeOf(r)).toBe(Date.parse(T));
    (r as { value: string }).value = 'changed';
    expect(eventTimeOf(r)).toBe(Date.parse(T));
  });
});
