import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInAdapters } from '@cityops/adapters';
import { loadConfig } from '@cityops/config';
import { createAdapterHost, createIngestApp, type IngestApp } from '@cityops/ingest-app';
import { closePorts, createIngestor, createLogger, loadCity, openPorts, type Ports } from '@cityops/runtime';
import { Registry } from 'prom-client';
import { parseFileReplayArgs } from './replay-args.js';
import { FILE_ADAPTERS, replayFile } from './replay-file.js';

// File replay through the real adapter routes of the ingest app (embedded bus and memory store).

const KEY = 'replay-file-key-000000001';
const GPS_KEY = 'replay-file-gps-000000001';
const fixtures = join(import.meta.dirname, '../../../packages/adapters/src');
const run = `rf${Date.now().toString(36)}`;

/** `YYYY-MM-DD HH:mm:ss` in Shanghai time (the pack's zone), `secondsAgo` before now */
const shanghai = (secondsAgo: number) =>
  new Date(Date.now() - secondsAgo * 1000 + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

let dir = '';
let ports: Ports;
let app: IngestApp;
let base = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cityops-replay-file-'));
  const config = loadConfig({
    PORT: '0',
    INGEST_PORT: '0',
    INGEST_API_KEYS: `${KEY},${GPS_KEY}:gps`,
    LOG_LEVEL: 'error',
  });
  const log = createLogger('replay-file-test', 'error');
  const city = loadCity(config);
  ports = await openPorts(config, 'replay-file-test', log);
  const ingestor = createIngestor(config, ports, city);
  const host = createAdapterHost({ config, ports, city, ingestor, log, registry: new Registry() });
  app = createIngestApp({ config, host, ports });
  base = await app.listen();
  await host.start();
});
afterAll(async () => {
  await app?.close();
  if (ports) await closePorts(ports);
  await rm(dir, { recursive: true, force: true });
});

/**
 * The T-Drive layout fixture (BOM, CRLF, `id,datetime,lon,lat` in pack-local time) grown to 25
 * positions of this run's vans in the last minutes, plus a row with a missing field and a 0,0 fix.
 */
async function gpsCsv(tag = 'a'): Promise<string> {
  const fx = JSON.parse(await readFile(join(fixtures, 'gps/fixtures/good-tdrive-layout-shanghai.json'), 'utf8')) as {
    body: string;
  };
  const [header, ...rows] = fx.body.split('\r\n').filter(Boolean);
  const points = rows.map((r) => r.split(',').slice(2).join(','));
  const lines = [header!];
  for (let i = 0; i < 25; i++) {
    lines.push(`${run}${tag}-van-${i % 5},${shanghai(200 - i * 5)},${points[i % points.length]}`);
    if (i === 7) lines.push(`${run}-van-x,${shanghai(100)},121.40120`);
    if (i === 15) lines.push(`${run}-van-y,${shanghai(100)},0,0`);
  }
  const file = join(dir, `tdrive-${tag}.csv`);
  await writeFile(file, lines.join('\r\n') + '\r\n');
  return file;
}

/** The hotline fixture's lifecycle (5 stages) as NDJSON with this run's ticket id and recent times, plus one line that is not JSON. */
async function hotlineNdjson(): Promise<string> {
  const fx = JSON.parse(await readFile(join(fixtures, 'hotline/fixtures/good-lifecycle.json'), 'utf8')) as {
    body: Array<Record<string, unknown>>;
  };
  const lines = fx.body.map((m, i) => JSON.stringify({ ...m, ticketId: `${run}-T1`, time: shanghai(240 - i * 30) }));
  lines.splice(2, 0, '{"ticketId": "broken",');
  const file = join(dir, 'tickets.ndjson');
  await writeFile(file, `${lines.join('\n')}\n\n`);
  return file;
}

/** fetch that records each request body */
function recording() {
  const bodies: Array<{ url: string; type: string; body: string }> = [];
  const f: typeof fetch = async (url, init) => {
    bodies.push({
      url: String(url),
      type: String((init?.headers as Record<string, string>)['content-type']),
      body: String(init?.body),
    });
    const r = await fetch(url, init);
    const t = await r.text();
    return new Response(t, { status: r.status });
  };
  return { bodies, fetch: f };
}

describe('replay --file through the adapters', () => {
  it('routes are the adapters’ own', () => {
    for (const [name, spec] of Object.entries(FILE_ADAPTERS)) {
      const receiver = builtInAdapters[name]!.http!.find((r) => r.method === 'POST')!;
      expect(receiver.path).toBe(spec.route);
    }
  });

  it('a GPS CSV in chunks of whole lines, the header at the top of each; a resend is all duplicates', async () => {
    const file = await gpsCsv();
    const rec = recording();
    const first = await replayFile({
      file,
      adapter: 'gps',
      url: base,
      apiKey: GPS_KEY,
      batchSize: 10,
      fetch: rec.fetch,
    });
    expect(first).toMatchObject({ lines: 27, accepted: 25, duplicates: 0, batches: 3, retries: 0 });
    expect(first.rejected).toEqual({ E_ADP_BAD_INPUT: 1, E_ADP_NO_LOCATION: 1 });
    expect(rec.bodies).toHaveLength(3);
    for (const b of rec.bodies) {
      expect(b.url).toBe(`${base}/api/v1/ingest/gps`);
      expect(b.type).toMatch(/^text\/csv/);
      expect(b.body.split('\n')[0]).toBe('id,datetime,lon,lat');
    }
    expect(rec.bodies.map((b) => b.body.trim().split('\n').length - 1)).toEqual([10, 10, 7]);

    const again = await replayFile({ file, adapter: 'gps', url: base, apiKey: GPS_KEY, batchSize: 10 });
    expect(again).toMatchObject({ accepted: 0, duplicates: 25 });
    expect(again.rejected).toEqual({ E_ADP_BAD_INPUT: 1, E_ADP_NO_LOCATION: 1 });
  });

  it('a hotline NDJSON: five stages accepted, the broken line rejected, a resend all duplicates', async () => {
    const file = await hotlineNdjson();
    const rec = recording();
    const first = await replayFile({ file, adapter: 'hotline', url: base, apiKey: KEY, fetch: rec.fetch });
    expect(first).toMatchObject({ lines: 6, accepted: 5, duplicates: 0, batches: 1 });
    expect(first.rejected).toEqual({ E_EVT_NOT_JSON: 1 });
    expect(rec.bodies[0]).toMatchObject({ url: `${base}/api/v1/ingest/hotline`, type: 'application/x-ndjson' });
    const again = await replayFile({ file, adapter: 'hotline', url: base, apiKey: KEY });
    expect(again).toMatchObject({ accepted: 0, duplicates: 5 });
    expect(again.rejected).toEqual({ E_EVT_NOT_JSON: 1 });
  });

  it('a key of another source stops the replay with E_HTTP_FORBIDDEN_SOURCE', async () => {
    const file = await hotlineNdjson();
    await expect(replayFile({ file, adapter: 'hotline', url: base, apiKey: GPS_KEY })).rejects.toMatchObject({
      code: 'E_HTTP_FORBIDDEN_SOURCE',
    });
  });

  it('a 503 and a connection cut are sent again; the lost answer’s lines come back as duplicates, nothing counted twice', async () => {
    const file = await gpsCsv('flaky');
    let n = 0;
    const flaky: typeof fetch = async (url, init) => {
      n++;
      if (n === 1) return new Response(JSON.stringify({ code: 'E_ADP_HOST_FULL' }), { status: 503 });
      if (n === 3) {
        await fetch(url, init); // processed, but the answer is lost
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return fetch(url, init);
    };
    const s = await replayFile({
      file,
      adapter: 'gps',
      url: base,
      apiKey: KEY,
      batchSize: 10,
      fetch: flaky,
      wait: async () => {},
    });
    // chunk 2 (9 good rows and the 0,0 fix) got through the first time: its resend is 9 duplicates
    expect(s).toMatchObject({ accepted: 16, duplicates: 9 });
    expect(s.retries).toBe(2);
    expect(n).toBe(5);
    expect(s.rejected).toEqual({ E_ADP_BAD_INPUT: 1, E_ADP_NO_LOCATION: 1 });
  });

  it('a line answered E_EVT_IN_FLIGHT is sent again by its input index, skipping lines that are not inputs', async () => {
    const file = join(dir, 'inflight.ndjson');
    await writeFile(file, ['not json', '{"a":1}', '{"a":2}', '{"a":3}'].join('\n'));
    const sent: string[][] = [];
    const fake: typeof fetch = async (_url, init) => {
      const lines = String(init?.body).trim().split('\n');
      sent.push(lines);
      const body =
        sent.length === 1
          ? {
              accepted: 2,
              duplicates: 0,
              errors: [
                { index: 1, code: 'E_EVT_NOT_JSON' },
                { index: 1, code: 'E_EVT_IN_FLIGHT' },
              ],
            }
          : { accepted: 1, duplicates: 0, errors: [] };
      return new Response(JSON.stringify(body), { status: 202 });
    };
    const s = await replayFile({ file, adapter: 'hotline', url: base, apiKey: KEY, fetch: fake, wait: async () => {} });
    expect(sent[1]).toEqual(['{"a":2}']);
    expect(s).toMatchObject({ accepted: 3, retries: 1 });
    expect(s.rejected).toEqual({ E_EVT_NOT_JSON: 1 });
  });

  it('still 503 at the deadline: stops naming how many lines are unsettled', async () => {
    const file = await hotlineNdjson();
    let t = 0;
    const err = await replayFile({
      file,
      adapter: 'hotline',
      url: base,
      apiKey: KEY,
      deadlineMs: 2_000,
      fetch: async () => new Response('{"code":"E_BUS_UNAVAILABLE"}', { status: 503 }),
      now: () => t,
      wait: async (ms) => {
        t += ms;
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_BUS_UNAVAILABLE' });
    expect(String((err as Error).message)).toMatch(/6 events unsettled/);
  });

  it('flags: an unknown adapter, a format the adapter does not take, a missing file', async () => {
    const file = await hotlineNdjson();
    expect(() => parseFileReplayArgs(['--file', file, '--adapter', 'ngsi', '--api-key', KEY], {})).toThrow(
      /--adapter: must be one of gps, hotline/,
    );
    expect(
      parseFileReplayArgs(['--file', file, '--adapter', 'hotline', '--batch', '50'], { INGEST_API_KEY: KEY }),
    ).toMatchObject({ adapter: 'hotline', format: 'ndjson', batchSize: 50, apiKey: KEY });
    expect(() =>
      parseFileReplayArgs(['--file', join(dir, 'none.csv'), '--adapter', 'gps', '--api-key', KEY], {}),
    ).toThrow(/--file: no such file/);
    const csv = await gpsCsv();
    await expect(replayFile({ file: csv, adapter: 'hotline', url: base, apiKey: KEY })).rejects.toMatchObject({
      code: 'E_CFG_INVALID',
    });
  });
});
