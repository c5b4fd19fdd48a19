import { describe, expect, it } from 'vitest';
import { parseCityEvent } from './parse.js';

const good = {
  v: 1,
  id: 'evt-1',
  source: 'hotline-12345',
  type: 'hotline.ticket',
  eventTime: '2026-11-22T08:00:00+08:00',
  location: { lon: 121.47, lat: 31.23 },
  category: { kind: 'event', code: 'E.01.01' },
  payload: { ticketId: 'T1', stage: 'received' },
};

describe('the canonical envelope', () => {
  it('accepts a well-formed hotline ticket and fills payload defaults', () => {
    const r = parseCityEvent(good);
    expect(r.ok).toBe(true);
    if (r.ok && r.event.type === 'hotline.ticket') expect(r.event.payload.channel).toBe('phone');
  });

  it('names the failing field path in the reason', () => {
    const r = parseCityEvent({
      ...good,
      type: 'sensor.reading',
      payload: { sensorId: 's', kind: 'noise', value: 'loud', unit: 'dB' },
    });
    expect(r).toMatchObject({ ok: false, code: 'E_EVT_SCHEMA' });
    if (!r.ok) expect(r.reason).toMatch(/payload\.value/);
  });

  it('rejects an unknown envelope version with its own code', () => {
    expect(parseCityEvent({ ...good, v: 2 })).toMatchObject({ ok: false, code: 'E_EVT_UNSUPPORTED_VERSION' });
  });

  it('rejects unknown fields rather than carrying them downstream', () => {
    expect(parseCityEvent({ ...good, extra: 1 })).toMatchObject({ ok: false, code: 'E_EVT_SCHEMA' });
  });

  it('rejects event times without a time zone, which would be ambiguous', () => {
    expect(parseCityEvent({ ...good, eventTime: '2026-11-22T08:00:00' })).toMatchObject({
      ok: false,
      code: 'E_EVT_SCHEMA',
    });
  });

  it('rejects category codes outside the 部件/事件 code pattern and coordinates off the globe', () => {
    expect(parseCityEvent({ ...good, category: { kind: 'event', code: 'parking' } })).toMatchObject({ ok: false });
    expect(parseCityEvent({ ...good, location: { lon: 200, lat: 31 } })).toMatchObject({ ok: false });
  });

  it('rejects a payload that belongs to another event type', () => {
    expect(parseCityEvent({ ...good, type: 'delivery.vehicle' })).toMatchObject({ ok: false, code: 'E_EVT_SCHEMA' });
  });
});
