import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBus, type Bus } from '@cityops/bus';
import { CityIndex, loadCityPack } from '@cityops/city';
import { Ingestor } from '@cityops/ingest';
import { CityopsError, ErrorCodes, Topics } from '@cityops/schema';
import { MemoryStore, RedisStore, type Store } from '@cityops/store';
import { eventsRoute } from './events.js';

const KEY = 'k'.repeat(16);
const index = new CityIndex(loadCityPack());
const event = (id: string) =>
  JSON.stringify({
    v: 1,
    id,
    source: 'route-test',
    type: 'sensor.reading',
    eventTime: new Date(Date.now() - 1000).toISOString(),
    location: { lon: 121.4737, lat: 31.2304 },
    category: { kind: 'part', code: 'P.01.01' },
    payload: { sensorId: 's1', kind: 'water_level', value: 0.4, unit: 'm' },
  });

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0)) await close();
});

/** POST /api/v1/events on a server with just this route, over the given ports. */
async function route(bus: Bus, store: Store) {
  const ingestor = new Ingestor({ bus, store, locator: index, dedupeTtlMs: 60_000, maxClockSkewMs: 120_000 });
  const app = express();
  app.use(eventsRoute({ ingestor, bus, apiKeys: [KEY], maxBodyBytes: 1_000_000, maxItems: 5 }));
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  open.push(() => new Promise((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/events`;
  return async (body: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/x-ndjson' },
      body,
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as never };
  };
}

async function embeddedBus(): Promise<EmbeddedBus> {
  const bus = new EmbeddedBus();
  await bus.ensureTopics([
    { topic: Topics.events, partitions: 1 },
    { topic: Topics.dlq, partitions: 1 },
  ]);
  open.push(() => bus.close());
  return bus;
}

describe('POST /api/v1/events when a port fails', () => {
  it('answers 503 E_STORE_UNAVAILABLE with Retry-After when Redis cannot be reached, never 500', async () => {
    const redis = new RedisStore({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200, firstConnectRetries: 0 });
    open.push(() => redis.close());
    const post = await route(await embeddedBus(), redis);
    const res = await post(event('r1'));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'E_STORE_UNAVAILABLE' });
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
  });

  it('answers 503 E_STORE_UNAVAILABLE when the store fails mid-run', async () => {
    const store = new MemoryStore();
    const post = await route(await embeddedBus(), store);
    expect((await post(event('m1'))).status).toBe(202);
    await store.close();
    const res = await post(event('m2'));
    expect(res).toMatchObject({ status: 503, body: { code: 'E_STORE_UNAVAILABLE' } });
  });

  it('answers 503 E_BUS_UNAVAILABLE with Retry-After when the bus is down, also for a body that is not JSON', async () => {
    const store = new MemoryStore();
    open.push(() => store.close());
    const bus = await embeddedBus();
    const post = await route(bus, store);
    await bus.close();
    const res = await post(event('b1'));
    expect(res).toMatchObject({ status: 503, body: { code: 'E_BUS_UNAVAILABLE' } });
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
    const bad = await route(bus, store).then((p) => p('{not json'));
    expect(bad).toMatchObject({ status: 503, body: { code: 'E_BUS_UNAVAILABLE' } });
  });

  it('answers 202 with the event under retry (E_EVT_IN_FLIGHT) when the publish failed after it may have been sent', async () => {
    const store = new MemoryStore();
    open.push(() => store.close());
    const inner = await embeddedBus();
    const flaky = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'publish')
          return async () => {
            throw new CityopsError(ErrorCodes.BUS_UNAVAILABLE, 'Request timed out');
          };
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const res = await (await route(flaky, store))(event('f1'));
    expect(res).toMatchObject({
      status: 202,
      body: { accepted: 0, retry: 1, errors: [{ id: 'f1', code: 'E_EVT_IN_FLIGHT' }] },
    });
  });
});

describe('POST /api/v1/events item cap', () => {
  it('answers more events than MAX_ITEMS_PER_REQUEST in one body with 413 E_HTTP_TOO_MANY_ITEMS and accepts none', async () => {
    const store = new MemoryStore();
    open.push(() => store.close());
    const bus = await embeddedBus();
    const post = await route(bus, store);
    const six = Array.from({ length: 6 }, (_, i) => event(`cap${i}`)).join('\n');
    expect(await post(six)).toMatchObject({ status: 413, body: { code: 'E_HTTP_TOO_MANY_ITEMS', accepted: 0 } });
    expect(Object.values(await bus.endOffsets(Topics.events)).reduce((a, b) => a + b, 0)).toBe(0);
    const five = Array.from({ length: 5 }, (_, i) => event(`cap${i}`)).join('\n');
    expect(await post(five)).toMatchObject({ status: 202, body: { accepted: 5 } });
  });
});
