import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseMapping, SHANGHAI_TAXONOMY } from '@cityops/city';
import { Topics } from '@cityops/schema';
import { eventually } from '@cityops/testkit';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterHost } from '../host.js';
import { NOW, openHost, readAll, type HostRig } from '../test/rig.js';
import { open311 } from './index.js';
import { open311ServersFromEnv } from './poller.js';

const text = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const mapping = parseMapping(
  JSON.parse(text('../../../../city/mappings/open311.json')),
  'mappings/open311.json',
  SHANGHAI_TAXONOMY,
);
const spec = JSON.parse(text('get-requests.json')) as Record<string, unknown>[];

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const T1 = NOW - 240_000;
const T2 = NOW - 200_000;
const T3 = NOW - 100_000;
// the spec's two example requests, moved to Shanghai and to the test clock (noted: not the published place/time)
const A = {
  ...spec[1]!,
  service_request_id: 638349,
  requested_datetime: iso(T1),
  updated_datetime: iso(T1),
  lat: 31.2304,
  long: 121.4737,
};
const B = {
  ...spec[1]!,
  service_request_id: 638350,
  requested_datetime: iso(T2),
  updated_datetime: iso(T2),
  lat: 31.2304,
  long: 121.4737,
};
const A_CLOSED = { ...A, status: 'closed', status_notes: 'Repaired.', updated_datetime: iso(T3) };

/** A GeoReport server: answers `requests.json` from `page(query)`, records every query. */
async function geoReportServer(page: (q: URLSearchParams) => { status: number; body: unknown }) {
  const queries: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/v2/requests.json') {
      res.writeHead(404).end();
      return;
    }
    queries.push(u.searchParams);
    const p = page(u.searchParams);
    res.writeHead(p.status, { 'content-type': 'application/json' }).end(JSON.stringify(p.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
  return { url, queries, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('open311 poller', () => {
  let rig: HostRig | undefined;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    await rig?.close();
    rig = undefined;
  });

  it('new requests become received, a closing becomes resolved; the cursor survives a restart; errors back off', async () => {
    let phase = 0;
    const gr = await geoReportServer((q) => {
      const after = q.get('updated_after');
      if (phase === 2) return { status: 500, body: [{ code: 500, description: 'CRM is down' }] };
      if (after === null) return { status: 200, body: [A, B] };
      // `updated_after` inclusive, as some servers do: B again, and A now closed
      if (after === iso(T2)) return { status: 200, body: phase === 0 ? [B] : [B, A_CLOSED] };
      return { status: 200, body: [] };
    });
    closers.push(gr.close);
    rig = await openHost({ mappings: { open311: mapping } });
    const opts = {
      servers: [{ name: 'sf', url: gr.url, jurisdictionId: 'city.gov' }],
      pollIntervalMs: 50,
      maxBackoffMs: 200,
    };
    rig.host.add(open311, opts);
    await rig.host.start();

    await eventually(
      () => (gr.queries.some((q) => q.get('updated_after') === iso(T2)) ? true : undefined),
      10_000,
      'a poll after the cursor',
    );
    phase = 1;
    await readAll(rig.bus, Topics.events, 3);
    const events = (await readAll(rig.bus, Topics.events)).map((r) => JSON.parse(r.value!));
    expect(events.map((e) => e.id).sort()).toEqual(['sf:638349:received', 'sf:638349:resolved', 'sf:638350:received']);
    expect(events.find((e) => e.id === 'sf:638349:resolved')).toMatchObject({
      eventTime: new Date(T3).toISOString(),
      payload: { stage: 'resolved', summary: 'Repaired.' },
      category: { code: 'E.08.02' },
    });
    expect(gr.queries[0]!.get('jurisdiction_id')).toBe('city.gov');
    await eventually(
      () => (gr.queries.some((q) => q.get('updated_after') === iso(T3)) ? true : undefined),
      10_000,
      'the cursor at T3',
    );
    expect(rig.host.health()[0]).toMatchObject({ connection: 'connected', accepted: 3 });

    // the server fails: the poller reports it and backs off, and nothing is lost or repeated
    phase = 2;
    await eventually(
      () => (rig!.host.health()[0]!.connection === 'disconnected' ? true : undefined),
      10_000,
      'disconnected',
    );
    expect(rig.host.health()[0]!.lastError?.reason ?? '').toMatch(/HTTP 500: CRM is down/);
    await rig.host.stop();

    // a new host on the same store starts from the stored cursor
    phase = 3;
    const before = gr.queries.length;
    const host2 = new AdapterHost({
      ingestor: rig.ingestor,
      bus: rig.bus,
      store: rig.store,
      registry: new Registry(),
      now: () => NOW,
      mappings: { open311: mapping },
    });
    host2.add(open311, opts);
    await host2.start();
    await eventually(() => (gr.queries.length > before ? true : undefined), 10_000, 'a poll by the new host');
    await host2.stop();
    expect(gr.queries[before]!.get('updated_after')).toBe(iso(T3));
    const after = (await readAll(rig.bus, Topics.events)).map((r) => JSON.parse(r.value!));
    expect(after).toHaveLength(3);
  });

  it('start_date mode asks only for the spec window and filters by updated_datetime itself', async () => {
    const gr = await geoReportServer(() => ({ status: 200, body: [A, B] }));
    closers.push(gr.close);
    rig = await openHost({ mappings: { open311: mapping } });
    rig.host.add(open311, {
      servers: [{ name: 'spec', url: gr.url, mode: 'start_date' }],
      pollIntervalMs: 50,
      lookbackDays: 2,
    });
    await rig.host.start();
    await eventually(() => (gr.queries.length >= 3 ? true : undefined), 10_000, 'three polls');
    const q = gr.queries[0]!;
    expect(q.get('updated_after')).toBeNull();
    expect(Date.parse(q.get('end_date')!) - Date.parse(q.get('start_date')!)).toBe(2 * 86_400_000);
    const events = (await readAll(rig.bus, Topics.events)).map((r) => JSON.parse(r.value!));
    expect(events.map((e) => e.id).sort()).toEqual(['spec:638349:received', 'spec:638350:received']);
    expect(rig.host.health()[0]).toMatchObject({ accepted: 2, duplicates: 0 });
  });
});

describe('OPEN311_SERVERS', () => {
  it('is what the adapter polls when its options name no servers; a bad one stops start-up', () => {
    const saved = process.env.OPEN311_SERVERS;
    try {
      process.env.OPEN311_SERVERS = 'https://api.city.gov/dev/v2';
      expect((open311.options.parse({}) as { servers: { url: string }[] }).servers.map((s) => s.url)).toEqual([
        'https://api.city.gov/dev/v2',
      ]);
      expect((open311.options.parse({ servers: [] }) as { servers: unknown[] }).servers).toEqual([]);
      process.env.OPEN311_SERVERS = '[{"url": "ftp://nope"}]';
      expect(() => open311.options.parse({})).toThrow(/OPEN311_SERVERS: entry 0/);
    } finally {
      if (saved === undefined) delete process.env.OPEN311_SERVERS;
      else process.env.OPEN311_SERVERS = saved;
    }
  });

  it('reads a JSON list with keys from the environment, or a comma list of URLs', () => {
    const env = {
      OPEN311_SERVERS: JSON.stringify([
        { url: 'https://api.city.gov/dev/v2', jurisdiction_id: 'city.gov', api_key_env: 'KEY_SF', name: 'sf' },
      ]),
      KEY_SF: 's3cret',
    };
    expect(open311ServersFromEnv(env)).toEqual([
      {
        name: 'sf',
        url: 'https://api.city.gov/dev/v2',
        jurisdictionId: 'city.gov',
        apiKey: 's3cret',
        mode: 'updated_after',
      },
    ]);
    expect(
      open311ServersFromEnv({ OPEN311_SERVERS: 'https://a.example/v2, http://b.example/open311/v2' }).map(
        (s) => s.name,
      ),
    ).toEqual(['a-example', 'b-example']);
    expect(open311ServersFromEnv({})).toEqual([]);
  });

  it('a bad setting stops with a message naming OPEN311_SERVERS and the entry, never the key', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ OPEN311_SERVERS: '[{"url": "ftp://x/v2"}]' }, /OPEN311_SERVERS: entry 0: url/],
      [{ OPEN311_SERVERS: 'not a url' }, /OPEN311_SERVERS: entry 0/],
      [{ OPEN311_SERVERS: '[{"url": "https://x/v2", "api_key": "s3cret"}]' }, /api_key_env/],
      [{ OPEN311_SERVERS: '[{"url": "https://x/v2", "api_key_env": "NOPE"}]' }, /NOPE, which is not set/],
      [{ OPEN311_SERVERS: '[{"url": "https://x/v2", "colour": "red"}]' }, /entry 0/],
      [{ OPEN311_SERVERS: '[{"url": "https://x/v2"}, {"url": "https://x/v3"}]' }, /used twice/],
      [{ OPEN311_SERVERS: '[{' }, /not a JSON list/],
    ];
    for (const [env, why] of bad) {
      let err: unknown;
      try {
        open311ServersFromEnv(env);
      } catch (e) {
        err = e;
      }
      expect(err, env.OPEN311_SERVERS).toMatchObject({ code: 'E_CFG_INVALID' });
      expect((err as Error).message).toMatch(why);
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});
