import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cityops/config';
import { closePorts, createIngestor, createLogger, loadCity, openPorts, type Ports } from '@cityops/runtime';
import { Registry } from 'prom-client';
import { createAdapterHost } from './host.js';
import { createIngestApp, type IngestApp } from './ingest-app.js';

const NGSI_KEY = 'ngsi-key-00000000000001';
const OPEN311_KEY = 'open311-key-000000000001';
const DATA_KEY = 'data-team-key-0000000001';
const ADMIN_KEY = 'admin-key-00000000000001';

// a Smart Data Models NoiseLevelObserved in keyValues, as Orion notifies it, at People's Square
const notification = () =>
  JSON.stringify({
    subscriptionId: '5aeb0ee97d4ef10a12a0f7cc',
    data: [
      {
        id: `urn:ngsi-ld:NoiseLevelObserved:ingest-app-${Date.now()}`,
        type: 'NoiseLevelObserved',
        dateObserved: new Date(Date.now() - 5_000).toISOString(),
        LAeq: 61.2,
        location: { type: 'Point', coordinates: [121.4737, 31.2304] },
      },
    ],
  });

describe('the ingest app: adapter routes with per-source keys, source health with the data key', () => {
  let ports: Ports;
  let app: IngestApp;
  let base: string;
  beforeAll(async () => {
    const config = loadConfig({
      PORT: '0',
      INGEST_PORT: '0',
      INGEST_API_KEYS: `${NGSI_KEY}:ngsi,${OPEN311_KEY}:open311`,
      DATA_API_KEYS: DATA_KEY,
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: 'error',
    });
    const log = createLogger('ingest-test', 'error');
    const city = loadCity(config);
    ports = await openPorts(config, 'ingest-test', log);
    const ingestor = createIngestor(config, ports, city);
    const host = createAdapterHost({ config, ports, city, ingestor, log, registry: new Registry() });
    app = createIngestApp({ config, host, ports });
    base = await app.listen();
    await host.start();
  });
  afterAll(async () => {
    await app.close();
    await closePorts(ports);
  });

  const notify = (key?: string) =>
    fetch(`${base}/api/v1/ingest/ngsi/v2/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
      body: notification(),
    });

  it('an adapter route answers 401 without a key, 403 to a key of another source, and takes its own key', async () => {
    expect((await notify()).status).toBe(401);
    const forbidden = await notify(OPEN311_KEY);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'E_HTTP_FORBIDDEN_SOURCE' });
    expect((await notify(DATA_KEY)).status).toBe(401);
    const ok = await notify(NGSI_KEY);
    expect(ok.status).toBeLessThan(300);
  });

  it('GET /api/v1/sources answers 401 without a data key (an ingest key is not one), and each adapter with the data or admin key', async () => {
    expect((await fetch(`${base}/api/v1/sources`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/sources`, { headers: { 'x-api-key': NGSI_KEY } })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/sources`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(
      200,
    );
    const res = await fetch(`${base}/api/v1/sources`, { headers: { 'x-api-key': DATA_KEY } });
    const body = (await res.json()) as { sources: Array<Record<string, unknown>> };
    const ngsi = body.sources.find((s) => s.name === 'ngsi')!;
    expect(ngsi).toMatchObject({ source: 'ngsi', connection: 'http', accepted: 1, silent: false });
    expect(ngsi.lastEventAt).not.toBeNull();
    expect(ngsi).toHaveProperty('rejectedPct');
    expect(ngsi).toHaveProperty('silentAfterMs');
    // no MQTT_URL: no MQTT adapter
    expect(body.sources.some((s) => s.name === 'mqtt')).toBe(false);
  });

  it('serves /healthz with the adapters (codes and counts only) and /metrics', async () => {
    const h = await fetch(`${base}/healthz`);
    expect(h.status).toBe(200);
    const body = (await h.json()) as { components: { adapters: Array<Record<string, unknown>> } };
    expect(body.components.adapters.map((a) => a.name)).toContain('ngsi');
    expect(JSON.stringify(body)).not.toContain('reason');
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('# TYPE');
  });
});
