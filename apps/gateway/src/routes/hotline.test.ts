import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_HOTLINE_DEADLINES,
  FIXTURE_CITY,
  FIXTURE_EXPECTED,
  KpiBook,
  contributionsOf,
  fixtureEvents,
  hotlineGroups,
  stageEventOf,
  type KpiPack,
} from '@cityops/hotline-kpis';
import { CityEvent, type HotlineKpis, type HotlineRankings } from '@cityops/schema';
import { MemoryStore } from '@cityops/store';
import { hotlineRoute } from './hotline.js';

const PACK: KpiPack = {
  meta: { id: 'sh', name: '上海市', nameEn: 'Shanghai', timeZone: 'Asia/Shanghai' },
  districts: [
    { id: 'D1', name: '一区', nameEn: 'One' },
    { id: 'D2', name: '二区', nameEn: 'Two' },
  ],
  streets: [
    { id: 'S1', name: '甲街道' },
    { id: 'S2', name: '乙街道' },
    { id: 'S3', name: '丙街道' },
  ],
  taxonomy: {
    classes: [
      {
        code: 'E.07',
        name: '环境',
        nameEn: 'Environment',
        small: [{ code: 'E.07.01', name: '噪声扰民', nameEn: 'Noise' }],
      },
    ],
  },
};
const GROUP = 'test.aggregator';

/** the fixture's counters written the way the aggregator's stages write them (one batch per period kind) */
async function fill(store: MemoryStore, kind: 'month' | 'rolling'): Promise<void> {
  const ctx = { ...FIXTURE_CITY, deadlines: DEFAULT_HOTLINE_DEADLINES };
  const book = new KpiBook(ctx);
  for (const e of fixtureEvents()) book.add(stageEventOf(CityEvent.parse(e))!);
  const increments = [...book.tickets.values()]
    .flatMap((s) => contributionsOf(s, kind, ctx))
    .map((c) => ({ ...c, by: 1 }));
  const group = hotlineGroups(GROUP)[kind];
  const { epoch } = await store.openEpoch(group);
  await store.applyBatch({
    group,
    topic: 't',
    partition: 0,
    epoch,
    fromOffset: 0,
    nextOffset: 1,
    increments,
    watermark: book.watermark,
    dropped: {},
  });
}

describe('GET /api/v1/hotline/kpis and /rankings', () => {
  let url = '';
  let server: ReturnType<express.Express['listen']>;
  const stores = { month: new MemoryStore(), rolling: new MemoryStore() };
  beforeAll(async () => {
    await fill(stores.month, 'month');
    await fill(stores.rolling, 'rolling');
    const app = express();
    // the gateway's identity middleware sets req.identity; here a screen unless the test says none
    app.use((req, _res, next) => {
      if (req.headers['x-test-anonymous'] !== '1')
        (req as unknown as { identity: unknown }).identity = { userId: 'w', username: 'wall', roles: ['screen'] };
      next();
    });
    app.use(
      hotlineRoute({
        pack: PACK,
        aggregatorGroup: GROUP,
        stores,
        minReceived: 3,
        roles: ['screen'],
        now: () => Date.parse('2025-06-15T12:00:00+08:00'),
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await stores.month.close();
    await stores.rolling.close();
  });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(url + path, { headers });

  it('answers the month of a level with names from the pack (default: this month in the city, districts)', async () => {
    const res = await get('/api/v1/hotline/kpis');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cityops-rebuilding')).toBe('false');
    const k = (await res.json()) as HotlineKpis;
    expect(k.period).toBe('2025-06');
    expect(k.level).toBe('district');
    expect(k.areas.map((a) => [a.id, a.received, a.name?.en])).toEqual([
      ['D1', FIXTURE_EXPECTED.june.district.D1.received, 'One'],
      ['D2', FIXTURE_EXPECTED.june.district.D2.received, 'Two'],
    ]);
    const street = (await (await get('/api/v1/hotline/kpis?month=2025-06&level=street')).json()) as HotlineKpis;
    expect(street.areas.find((a) => a.id === 'S1')).toMatchObject({
      ...FIXTURE_EXPECTED.june.street.S1,
      name: { zh: '甲街道', en: '甲街道' },
    });
  });

  it('answers the rolling 24 h at the watermark', async () => {
    const k = (await (await get('/api/v1/hotline/kpis?period=rolling-24h&level=city')).json()) as HotlineKpis;
    expect(k.period).toBe('rolling-24h');
    expect(k.asOf).toBe(FIXTURE_EXPECTED.rolling.watermark);
    expect(k.areas[0]).toMatchObject(FIXTURE_EXPECTED.rolling.city.sh);
  });

  it('answers the boards and 每月一题 of a month', async () => {
    const r = (await (await get('/api/v1/hotline/rankings?month=2025-06')).json()) as HotlineRankings;
    expect(r.minReceived).toBe(3);
    expect(r.red.map((x) => x.area.id)).toEqual(FIXTURE_EXPECTED.rankings.red);
    expect(r.black.map((x) => x.area.id)).toEqual(FIXTURE_EXPECTED.rankings.black);
    expect(r.topProblems[0]).toMatchObject({
      ...FIXTURE_EXPECTED.rankings.top,
      categoryName: { zh: '噪声扰民', en: 'Noise' },
    });
  });

  it('refuses a bad query with 400 and E_HTTP_BAD_REQUEST, naming what is wrong', async () => {
    for (const q of [
      'kpis?month=2025-13',
      'kpis?month=June',
      'kpis?level=grid',
      'kpis?month=2025-06&period=rolling-24h',
      'kpis?period=rolling-7d',
      'kpis?month=2025-06&month=2025-07',
      'kpis?color=red',
      'rankings?level=city',
      'rankings?month=2025-6',
    ]) {
      const res = await get(`/api/v1/hotline/${q}`);
      expect(res.status, q).toBe(400);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code, q).toBe('E_HTTP_BAD_REQUEST');
      expect(body.message.length, q).toBeGreaterThan(0);
    }
    expect(((await (await get('/api/v1/hotline/kpis?month=2025-13')).json()) as { message: string }).message).toContain(
      'month',
    );
  });

  it('is behind the door: no identity, 401', async () => {
    expect((await get('/api/v1/hotline/kpis', { 'x-test-anonymous': '1' })).status).toBe(401);
    expect((await get('/api/v1/hotline/rankings', { 'x-test-anonymous': '1' })).status).toBe(401);
  });
});
