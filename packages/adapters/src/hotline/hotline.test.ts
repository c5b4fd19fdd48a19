import { describe, expect, it } from 'vitest';
import { adapterContract, loadFixtures } from '../contract.js';
import { createMapContext } from '../context.js';
import { hotline, mapHotline } from './index.js';

adapterContract(hotline, { fixtures: loadFixtures(new URL('./fixtures', import.meta.url)) });

describe('hotline specifics', () => {
  const ctx = createMapContext({ timeZone: 'Asia/Shanghai' });
  const msg = { ticketId: 'T', stage: 'received', category: 'c', location: { lon: 121.47, lat: 31.23 } };

  it('reads a time without an offset in the pack time zone', () => {
    const [m] = mapHotline({ ...msg, time: '2026-11-22 09:00:00' }, ctx, {});
    expect(m).toMatchObject({ ok: true, event: { eventTime: '2026-11-22T01:00:00.000Z', id: 'T:received' } });
    const berlin = mapHotline(
      { ...msg, time: '2026-11-22 09:00:00' },
      createMapContext({ timeZone: 'Europe/Berlin' }),
      {},
    );
    expect(berlin[0]).toMatchObject({ ok: true, event: { eventTime: '2026-11-22T08:00:00.000Z' } });
  });

  it('places an address-less ticket only where the options say', () => {
    expect(mapHotline({ ...msg, location: undefined, time: 0 }, ctx, {})[0]).toMatchObject({
      code: 'E_ADP_NO_LOCATION',
    });
    const [m] = mapHotline({ ...msg, location: undefined, time: 0 }, ctx, { addresslessAt: { lon: 121.5, lat: 31.2 } });
    expect(m).toMatchObject({ ok: true, event: { location: { lon: 121.5, lat: 31.2 } } });
  });
});
