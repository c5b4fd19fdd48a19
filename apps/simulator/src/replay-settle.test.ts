import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categoryIndex } from '@cityops/city';
import { loadConfig } from '@cityops/config';
import { Ingestor } from '@cityops/ingest';
import { closePorts, openPorts } from '@cityops/runtime';
import { Topics } from '@cityops/schema';
import { writeScenario, SCENARIO_FILES } from './offline.js';
import { parseScenarioOptions } from './options.js';
import { parseReplayArgs } from './replay-args.js';
import { replayScenario } from './replay.js';
import { deliverThrough } from './replay-bus.js';
import { defaultCity } from './test/fixture.js';

// Every event of a replay ends settled, counted once, through the failures a real run meets.

const quiet = { write: () => true, isTTY: false };
const KEY = 'k'.repeat(16);
let dir = '';
let ids: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cityops-replay-settle-'));
  const options = parseScenarioOptions({
    seed: 11,
    hours: 0.03,
    sensors: 200,
    vehicles: 30,
    ticketsPerHour: 300,
    incidentsPerHour: 0,
  });
  await writeScenario({ options, outDir: dir, ...defaultCity() });
  const text = await readFile(join(dir, SCENARIO_FILES.events), 'utf8');
  ids = text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const e = JSON.parse(l) as { source: string; id: string };
      return `${e.source}/${e.id}`;
    });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * A gateway with its own dedupe that misbehaves on a script, and dies and restarts: request 2 is
 * killed mid-request (connection reset) after claiming its events for 1.5 s, as a dead process
 * leaves them, and the server is down for 300 ms; request 4 is processed but its answer is lost
 * (reset); request 6 answers 503. Claims of the dead request answer E_EVT_IN_FLIGHT.
 */
async function misbehavingGateway() {
  const accepted = new Map<string, number>();
  const heldUntil = new Map<string, number>();
  let n = 0;
  let port = 0;
  let lost = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
    const keys = lines.map((l) => {
      const e = JSON.parse(l) as { source: string; id: string };
      return `${e.source}/${e.id}`;
    });
    const call = ++n;
    if (call === 6) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ code: 'E_STORE_UNAVAILABLE' }));
      return;
    }
    if (call === 2) {
      for (const k of keys) heldUntil.set(k, Date.now() + 1_500);
      req.socket.destroy();
      server.close();
      setTimeout(() => server.listen(port, '127.0.0.1'), 300);
      return;
    }
    const body = { accepted: 0, duplicates: 0, errors: [] as Array<{ index: number; code: string }> };
    keys.forEach((k, index) => {
      if ((heldUntil.get(k) ?? 0) > Date.now()) body.errors.push({ index, code: 'E_EVT_IN_FLIGHT' });
      else if (accepted.has(k)) body.duplicates++;
      else {
        accepted.set(k, 1);
        body.accepted++;
      }
    });
    if (call === 4) {
      lost = body.accepted;
      req.socket.destroy();
      return;
    }
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    requests: () => n,
    lost: () => lost,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('replay resends until every event is settled', () => {
  it('over HTTP: a gateway killed mid-request and restarted, a lost answer, a 503 and in-flight claims: each event accepted exactly once', async () => {
    const g = await misbehavingGateway();
    try {
      const summary = await replayScenario({
        dir,
        url: g.url,
        apiKey: KEY,
        speed: 'max',
        batchSize: 50,
        progressOut: quiet,
      });
      expect(ids.length).toBeGreaterThan(200);
      expect(g.requests()).toBeGreaterThan(6);
      expect([...g.accepted.keys()].sort()).toEqual([...new Set(ids)].sort());
      // the batch whose answer was lost comes back as duplicates: still counted once
      expect(summary).toMatchObject({ events: ids.length, rejected: {} });
      expect(g.lost()).toBeGreaterThan(0);
      expect(summary.duplicates).toBe(g.lost());
      expect(summary.accepted + summary.duplicates).toBe(ids.length);
      expect(summary.retries).toBeGreaterThanOrEqual(3);
    } finally {
      await g.close();
    }
  });

  it('--bus: a run killed one second ago left its claims pending; the re-run sends them again until they lapse, all on the topic once', async () => {
    const config = loadConfig({});
    const ports = await openPorts(config, 'replay-test');
    try {
      const { pack, index } = defaultCity();
      const categories = categoryIndex(pack.taxonomy);
      const ingestor = new Ingestor({
        bus: ports.bus,
        store: ports.store,
        locator: index,
        categoryExists: (c) => categories.has(c),
        dedupeTtlMs: 600_000,
        maxClockSkewMs: 120_000,
        claimLeaseMs: 500,
      });
      // the killed run had claimed its first batch and died before publishing it
      await ports.store.claimEventIds(ids.slice(0, 100), { owner: 'killed-run', leaseMs: 500 });
      const summary = await replayScenario({
        dir,
        url: 'http://unused.invalid',
        apiKey: '',
        speed: 'max',
        batchSize: 100,
        deliver: deliverThrough(ingestor),
        progressOut: quiet,
      });
      expect(summary).toMatchObject({ events: ids.length, accepted: ids.length, duplicates: 0, rejected: {} });
      expect(summary.retries).toBeGreaterThan(0);
      const onTopic = Object.values(await ports.bus.endOffsets(Topics.events)).reduce((a, b) => a + b, 0);
      expect(onTopic).toBe(ids.length);
    } finally {
      await closePorts(ports);
    }
  });

  it('gives up after the deadline and names how many events are unsettled', async () => {
    let clock = 1_800_000_000_000;
    const down = (async () => new Response('{"code":"E_BUS_UNAVAILABLE"}', { status: 503 })) as unknown as typeof fetch;
    const err = await replayScenario({
      dir,
      url: 'http://g.test',
      apiKey: KEY,
      speed: 'max',
      batchSize: 50,
      deadlineMs: 30_000,
      fetch: down,
      now: () => clock,
      wait: async (ms) => {
        clock += ms;
      },
      progressOut: quiet,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_BUS_UNAVAILABLE' });
    expect(String((err as Error).message)).toMatch(
      new RegExp(`50 events unsettled after resending them for 30 s .*0 accepted before, ${ids.length - 50} not sent`),
    );
  });

  it('--deadline sets the per-batch resend deadline in seconds; a bad one is named', () => {
    expect(parseReplayArgs(['--dir', dir, '--api-key', KEY, '--deadline', '5'], {}).deadlineMs).toBe(5_000);
    expect(parseReplayArgs(['--dir', dir, '--api-key', KEY], {}).deadlineMs).toBe(120_000);
    expect(() => parseReplayArgs(['--dir', dir, '--api-key', KEY, '--deadline', '0'], {})).toThrow(/--deadline/);
  });
});
