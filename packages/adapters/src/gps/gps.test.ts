import { describe, expect, it } from 'vitest';
import { adapterContract, loadFixtures } from '../contract.js';
import { createMapContext } from '../context.js';
import { gps, mapGpsRecord, GpsOptions } from './index.js';

adapterContract(gps, { fixtures: loadFixtures(new URL('./fixtures', import.meta.url)), options: { company: 'demo' } });

describe('gps specifics', () => {
  const ctx = createMapContext({ timeZone: 'Asia/Shanghai' });
  const o = GpsOptions.parse({});

  it('positions only: no state, no loading-zone flag, id = vehicle@time', () => {
    const [m] = mapGpsRecord(
      { vehicle: 'v', time: '2026-11-22 09:00:00', lon: '121.4', lat: '31.2', state: 'unloading' },
      ctx,
      o,
    );
    expect(m).toMatchObject({ ok: true, event: { id: 'v@1795309200000', eventTime: '2026-11-22T01:00:00.000Z' } });
    expect(m!.ok && m!.event.payload).toEqual({ vehicleId: 'v' });
  });

  it('reads epoch milliseconds and seconds alike, and m/s speeds when told', () => {
    const s = mapGpsRecord(
      { id: 'v', timestamp: 1795309200, lon: 121.4, lat: 31.2, speed: 10 },
      ctx,
      GpsOptions.parse({ speedUnit: 'ms' }),
    );
    const ms = mapGpsRecord({ id: 'v', timestamp: 1795309200000, lon: 121.4, lat: 31.2 }, ctx, o);
    expect(s[0]).toMatchObject({ ok: true, event: { id: 'v@1795309200000', payload: { speedKmh: 36 } } });
    expect(ms[0]).toMatchObject({ ok: true, event: { id: 'v@1795309200000' } });
  });
});
