import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '@cityops/config';
import { closePorts, createIngestor, loadCity, openPorts, type Ports } from '@cityops/runtime';
import { createGateway, type Gateway } from '@cityops/gateway';

/** The value of the unlabelled sample `name` in Prometheus text. */
function value(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('gateway GET /metrics (embedded ports)', () => {
  let ports: Ports;
  let gateway: Gateway;
  let url: string;

  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', INGEST_API_KEYS: 'a-key-of-sixteen-chars' });
    const city = loadCity(config);
    ports = await openPorts(config, 'metrics-test');
    gateway = createGateway({ config, ...ports, pack: city.pack, ingestor: createIngestor(config, ports, city) });
    url = await gateway.listen();
  });

  afterAll(async () => {
    await gateway?.close();
    if (ports) await closePorts(ports);
  });

  it('answers 200 in the Prometheus 0.0.4 text format, without an API key, with the process metrics', async () => {
    const res = await fetch(new URL('/metrics', url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(value(text, 'cityops_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(value(text, 'cityops_screens_connected')).toBe(0);
    expect(text).not.toContain('a-key-of-sixteen-chars');
  });

  it('counts the socket.io screens connected, and stops counting one that left', async () => {
    const screen: Socket = connect(url, { transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve) => screen.once('hello', () => resolve()));
      const during = await (await fetch(new URL('/metrics', url))).text();
      expect(value(during, 'cityops_screens_connected')).toBe(1);
    } finally {
      screen.close();
    }
    await expect
      .poll(async () => value(await (await fetch(new URL('/metrics', url))).text(), 'cityops_screens_connected'))
      .toBe(0);
  });
});
