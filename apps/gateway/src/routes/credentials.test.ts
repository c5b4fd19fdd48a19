import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBus } from '@cityops/bus';
import { CityIndex, loadCityPack } from '@cityops/city';
import { loadConfig } from '@cityops/config';
import { Ingestor } from '@cityops/ingest';
import { Topics } from '@cityops/schema';
import { MemoryStore } from '@cityops/store';
import { requireDataKey } from './api-key.js';
import { eventsRoute } from './events.js';

const ANY = 'plain-key-any-source-01';
const LOGISTICS = 'scoped-key-logistics-01';
const PREFIX = 'scoped-key-e2e-prefix-01';
const DATA = 'data-team-key-000000001';
const ADMIN = 'admin-key-0000000000001';

const config = loadConfig({
  INGEST_API_KEYS: `${ANY},${LOGISTICS}:sim.logistics,${PREFIX}:cred-*|other.source`,
  DATA_API_KEYS: DATA,
  ADMIN_API_KEY: ADMIN,
});

const event = (id: string, source: string) => ({
  v: 1,
  id,
  source,
  type: 'sensor.reading',
  eventTime: new Date(Date.now() - 1000).toISOString(),
  location: { lon: 121.4737, lat: 31.2304 },
  category: { kind: 'part', code: 'P.01.01' },
  payload: { sensorId: 's1', kind: 'water_level', value: 0.4, unit: 'm' },
});

describe('per-source ingest keys on POST /api/v1/events, data keys on the data routes', () => {
  let server: Server;
  let base: string;
  let bus: EmbeddedBus;
  beforeAll(async () => {
    bus = new EmbeddedBus();
    await bus.ensureTopics([
      { topic: Topics.events, partitions: 1 },
      { topic: Topics.dlq, partitions: 1 },
    ]);
    const store = new MemoryStore();
    const ingestor = new Ingestor({
      bus,
      store,
      locator: new CityIndex(loadCityPack()),
      dedupeTtlMs: 60_000,
      maxClockSkewMs: 120_000,
    });
    const app = express();
    app.use(eventsRoute({ ingestor, bus, apiKeys: config.INGEST_API_KEYS, maxBodyBytes: 100_000, maxItems: 100 }));
    app.get('/data', requireDataKey(config), (_req, res) => void res.json({ ok: true }));
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await bus.close();
  });

  const post = async (key: string | undefined, body: unknown) => {
    const res = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('a plain key sends as any source', async () => {
    const r = await post(ANY, [event('p1', 'sim.sensors'), event('p2', 'sim.logistics')]);
    expect(r).toMatchObject({ status: 202, body: { accepted: 2 } });
  });

  it('a scoped key sends as its own source', async () => {
    expect(await post(LOGISTICS, [event('l1', 'sim.logistics')])).toMatchObject({ status: 202, body: { accepted: 1 } });
  });

  it('a scoped key sending as another source gets 403 E_HTTP_FORBIDDEN_SOURCE, and nothing of the body is accepted', async () => {
    const before = await bus.endOffsets(Topics.events);
    const r = await post(LOGISTICS, [event('l2', 'sim.logistics'), event('s9', 'sim.sensors')]);
    expect(r).toMatchObject({ status: 403, body: { code: 'E_HTTP_FORBIDDEN_SOURCE', accepted: 0 } });
    expect(String(r.body.message)).toContain('sim.sensors');
    expect(await bus.endOffsets(Topics.events)).toEqual(before);
  });

  it('a source prefix (cred-*) covers the sources that start with it, and no others', async () => {
    expect((await post(PREFIX, [event('c1', 'cred-a'), event('c2', 'other.source')])).status).toBe(202);
    expect((await post(PREFIX, [event('c3', 'cre')])).status).toBe(403);
  });

  it('no key or a wrong key is 401; a data key is not an ingest key', async () => {
    expect((await post(undefined, [event('n1', 'x')])).status).toBe(401);
    expect((await post('wrong-key-000000000001', [event('n2', 'x')])).status).toBe(401);
    expect((await post(DATA, [event('n3', 'x')])).status).toBe(401);
  });

  it('the data routes take a data key or the admin key, and refuse ingest keys with 401', async () => {
    const get = async (key?: string) =>
      (await fetch(`${base}/data`, { headers: key ? { authorization: `Bearer ${key}` } : {} })).status;
    expect(await get(DATA)).toBe(200);
    expect(await get(ADMIN)).toBe(200);
    expect(await get(ANY)).toBe(401);
    expect(await get(LOGISTICS)).toBe(401);
    expect(await get()).toBe(401);
  });
});
