import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMetrics, stageMetrics, type MetricsServer } from '@cityops/metrics';
import { sample } from './test/sample.js';

describe('serveMetrics', () => {
  let server: MetricsServer;

  beforeAll(async () => {
    server = await serveMetrics({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('resolves with the URL of /metrics on the port it got', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(server.url).not.toContain(':0/');
  });

  it('answers GET /metrics with 200, the 0.0.4 text format and the registry', async () => {
    stageMetrics('served').applied(6);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(sample(text, 'cityops_stage_records_applied_total', { stage: 'served' })).toBe(6);
    expect(await (await fetch(`${server.url}?x=1`)).text()).toContain('cityops_stage_records_applied_total');
  });

  it('answers 404 to any other path or method', async () => {
    const base = new URL(server.url);
    for (const path of ['/', '/metrics/', '/metricsx', '/healthz']) {
      expect((await fetch(new URL(path, base))).status, path).toBe(404);
    }
    expect((await fetch(server.url, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it('answers GET /healthz with the process report when given one: 200 while ok, 503 when not', async () => {
    let ok = true;
    const other = await serveMetrics({ host: '127.0.0.1', port: 0, health: () => ({ ok, stage: { applied: 3 } }) });
    try {
      const url = new URL('/healthz', other.url);
      const first = await fetch(url);
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ ok: true, stage: { applied: 3 } });
      ok = false;
      expect((await fetch(url)).status).toBe(503);
    } finally {
      await other.close();
    }
  });

  it('closes even while a scraper holds a keep-alive connection open', async () => {
    const other = await serveMetrics({ host: '127.0.0.1', port: 0 });
    const agentRes = await new Promise<number>((resolve, reject) => {
      const req = request(other.url, { headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(agentRes).toBe(200);
    await other.close();
    await expect(fetch(other.url)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const port = Number(new URL(server.url).port);
    await expect(serveMetrics({ host: '127.0.0.1', port })).rejects.toThrow(/EADDRINUSE/);
  });
});
