import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '@cityops/config';
import { closePorts, createIngestor, loadCity, openPorts, type Ports } from '@cityops/runtime';
import { createGateway, type Gateway } from '@cityops/gateway';
import { testIdentity, tokenFor } from '../test/identity-fixture.js';

const DATA_KEY = 'metrics-data-key-000001';
const asData = { headers: { authorization: `Bearer ${DATA_KEY}` } };

/** The value of the unlabelled sample `name` in Prometheus text. */
function value(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('gateway GET /metrics (embedded ports)', () => {
  let ports: Ports;
  let gateway: Gateway;
  let url: string;
  let screenToken: string;

  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', INGEST_API_KEYS: 'a-key-of-sixteen-chars', DATA_API_KEYS: DATA_KEY });
    const city = loadCity(config);
    ports = await openPorts(config, 'metrics-test');
    const identity = testIdentity();
    gateway = createGateway({
      config,
      ...ports,
      identity,
      pack: city.pack,
      ingestor: createIngestor(config, ports, city),
    });
    screenToken = await tokenFor(identity, 'screen');
    url = await gateway.listen();
  });

  afterAll(async () => {
    await gateway?.close();
    if (ports) await closePorts(ports);
  });

  it('answers 200 in the Prometheus 0.0.4 text format to the data role (a DATA_API_KEY as bearer), with the process metrics', async () => {
    expect((await fetch(new URL('/metrics', url))).status).toBe(401);
    expect(
      (await fetch(new URL('/metrics', url), { headers: { authorization: `Bearer ${screenToken}` } })).status,
    ).toBe(403);
    const res = await fetch(new URL('/metrics', url), asData);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(value(text, 'cityops_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(text, 'cityops_screens_connected')).toBe(0);
    expect(text).not.toContain('a-key-of-sixteen-chars');
  });

  it('counts the socket.io screens connected, and stops counting one that left', async () => {
    const screen: Socket = connect(url, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: screenToken },
    });
    try {
      await new Promise<void>((resolve) => screen.once('hello', () => resolve()));
      const during = await (await fetch(new URL('/metrics', url), asData)).text();
      expect(value(during, 'cityops_screens_connected')).toBe(1);
    } finally {
      screen.close();
    }
    await expect
      .poll(async () =>
        value(await (await fetch(new URL('/metrics', url), asData)).text(), 'cityops_screens_connected'),
      )
      .toBe(0);
  });
});
