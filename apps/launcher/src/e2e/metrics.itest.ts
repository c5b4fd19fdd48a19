import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realInfra, uniqueName } from '@cityops/testkit';
import { startApp, type RunningApp } from './start-app.js';

/** The URL an app logged for its own /metrics server (its JSON record `"app":"<app>",... "msg":"serving /metrics at <url>"`). */
async function loggedMetricsUrl(app: RunningApp, name: string): Promise<string> {
  const pattern = new RegExp(`"app":"${name}"[^\\n]*"msg":"serving /metrics at ([^"\\s]+)"`);
  await expect.poll(() => pattern.test(app.output()), { timeout: 30_000 }).toBe(true);
  return pattern.exec(app.output())![1]!;
}

async function scrape(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('distributed mode: every process serves /metrics (real Kafka and Redis)', () => {
  const infra = realInfra();
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(
      {
        PORT: '0',
        SIMULATOR: 'on',
        SIM_RATE: '5',
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        REDIS_URL: infra.redisUrl,
        REDIS_KEY_PREFIX: uniqueName('e2e-metrics'),
        AGGREGATOR_GROUP: uniqueName('e2e-metrics-aggregator'),
      },
      90_000,
    );
  }, 120_000);

  afterAll(async () => {
    if (app) expect(await app.stop()).toBe(0);
  });

  it('the gateway answers GET /metrics on its own port with cityops_ metrics and the screens gauge', async () => {
    expect((await scrape(new URL('/metrics', app.url).href)).status).toBe(401);
    const { status, type, text } = await scrape(new URL('/metrics', app.url).href, app.auth);
    expect(status).toBe(200);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toMatch(/^cityops_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^cityops_screens_connected 0$/m);
  });

  it('the aggregator process serves its own /metrics, on a port the launcher gave it', async () => {
    const url = await loggedMetricsUrl(app, 'aggregator');
    expect(new URL(url).port).not.toBe(new URL(app.url).port);
    const { status, type, text } = await scrape(url);
    expect(status).toBe(200);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toMatch(/^cityops_process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^cityops_nodejs_eventloop_lag_seconds \d/m);
    // no gateway in this process, so no screen count (rather than a 0 it never measured)
    expect(text).not.toContain('cityops_screens_connected');
    expect((await fetch(new URL('/', url))).status).toBe(404);
  });

  it("the aggregator's /metrics counts the records its stage consumes", async () => {
    const url = await loggedMetricsUrl(app, 'aggregator');
    const consumed = async () => {
      const m = /^cityops_stage_records_consumed_total\{stage="aggregator"\} (\S+)$/m.exec((await scrape(url)).text);
      return m ? Number(m[1]) : undefined;
    };
    // the simulator publishes a few events a second; the aggregator's stage reads them
    await expect.poll(consumed, { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
  });

  it('the simulator process serves its own /metrics, on yet another port', async () => {
    const aggregator = await loggedMetricsUrl(app, 'aggregator');
    const url = await loggedMetricsUrl(app, 'simulator');
    expect(new URL(url).port).not.toBe(new URL(aggregator).port);
    const { status, text } = await scrape(url);
    expect(status).toBe(200);
    expect(text).toMatch(/^cityops_process_start_time_seconds \d/m);
  });
});
