import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/test-gateway.js';

const INGEST = 'ingest-key-logistics-001';
const DATA = 'data-team-key-0000000001';

/** what an adapter host says of one adapter (the SDK's SourceHealth) */
const mqttRow = {
  name: 'mqtt',
  source: 'mqtt',
  eventsPerSecond: 2,
  lastEventAt: new Date().toISOString(),
  lastEventTime: new Date().toISOString(),
  accepted: 10,
  duplicates: 0,
  rejected: 10,
  deadLettered: 10,
  retry: 0,
  unmapped: {},
  lastError: { code: 'E_ADP_UNSUPPORTED_TYPE', reason: 'temperature', at: new Date().toISOString() },
  connection: 'connected',
  queued: 0,
};

describe('GET /api/v1/sources and the data routes on the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const ingestRouter = express.Router();
    ingestRouter.post('/demo', (_req, res) => void res.status(202).json({ mounted: true }));
    gw = await startTestGateway(
      { INGEST_API_KEYS: `${INGEST}:sources-test`, DATA_API_KEYS: DATA, SIMULATOR: 'off' },
      { sourceHealth: () => [mqttRow], ingestRouter },
    );
  });
  afterAll(() => gw.close());

  const get = (path: string, key?: string) =>
    fetch(new URL(path, gw.url), { headers: key ? { 'x-api-key': key } : {} });

  it('answers 401 without a data key, also to an ingest key, on /api/v1/sources and /api/v1/dead-letters', async () => {
    for (const path of ['/api/v1/sources', '/api/v1/dead-letters']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, INGEST)).status, path).toBe(401);
      expect((await get(path, DATA)).status, path).toBe(200);
    }
  });

  it("lists each adapter with rejected % and silence, and the canonical door's counts per source", async () => {
    const event = {
      v: 1,
      id: `src-${Date.now()}`,
      source: 'sources-test',
      type: 'sensor.reading',
      eventTime: new Date(Date.now() - 1000).toISOString(),
      location: { lon: 121.4737, lat: 31.2304 },
      category: { kind: 'part', code: 'P.01.10' },
      payload: { sensorId: 's1', kind: 'water_level', value: 0.4, unit: 'm' },
    };
    const post = await fetch(new URL('/api/v1/events', gw.url), {
      method: 'POST',
      headers: { 'x-api-key': INGEST, 'content-type': 'application/json' },
      body: JSON.stringify([event, { ...event, id: `${event.id}-bad`, payload: { ...event.payload, value: 'high' } }]),
    });
    expect(post.status).toBe(202);
    const body = (await (await get('/api/v1/sources', DATA)).json()) as { sources: Array<Record<string, unknown>> };
    const mqtt = body.sources.find((s) => s.name === 'mqtt');
    expect(mqtt).toMatchObject({ connection: 'connected', accepted: 10, rejectedPct: 50, silent: false });
    const door = body.sources.find((s) => s.name === 'events/sources-test');
    expect(door).toMatchObject({ source: 'sources-test', accepted: 1, rejected: 1, deadLettered: 1, rejectedPct: 50 });
    expect(door!.lastError).toMatchObject({ code: 'E_EVT_SCHEMA' });
  });

  it("mounts the adapter host's router under /api/v1/ingest (embedded mode)", async () => {
    const res = await fetch(new URL('/api/v1/ingest/demo', gw.url), { method: 'POST' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ mounted: true });
  });
});
