import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedBus } from '@cityops/bus';
import { CityIndex, categoryIndex, loadCityPack } from '@cityops/city';
import { Ingestor } from '@cityops/ingest';
import { Topics, parseCityEvent, type ErrorCode } from '@cityops/schema';
import { MemoryStore } from '@cityops/store';
import express from 'express';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMapContext, type MapContextOptions } from './context.js';
import { AdapterHost } from './host.js';
import { parseJsonBody } from './http.js';
import type { Adapter, HttpReceiver, MapContext, Mapped, ReceiverRequest } from './types.js';

/**
 * A fixture: one payload as a source sends it, with where its shape comes from and what it must
 * give. `body` goes through an HTTP receiver (string as is, anything else as JSON); `inputs` go
 * straight to map() and to the host (subscriptions). See SPEC.md, "Fixtures".
 */
export interface Fixture {
  /** file name, filled by loadFixtures */
  name: string;
  description: string;
  /** where this payload's shape comes from: a specification section, a public data set, a vendor's page */
  origin: string;
  /** the receiver's path (default: the adapter's first POST receiver) */
  receiver?: string;
  contentType?: string;
  body?: unknown;
  inputs?: unknown[];
  expect: {
    /** envelopes map() gives (all valid) */
    events: number;
    /** events ingest accepts through the host (default: `events`) */
    accepted?: number;
    /** rejection codes, from parse and map, in order (empty or absent: a good fixture) */
    codes?: ErrorCode[];
    /** HTTP status of the receiver's answer (default: 202 for our JSON answer) */
    status?: number;
  };
}

/** Reads every `*.json` fixture in `dir` (a path or a file: URL), sorted by name. */
export function loadFixtures(dir: string | URL): Fixture[] {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  return readdirSync(path)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ ...(JSON.parse(readFileSync(join(path, f), 'utf8')) as Omit<Fixture, 'name'>), name: f }));
}

export interface ContractOptions<O> {
  fixtures: Fixture[];
  /** the adapter's options for the run (validated by the adapter's schema) */
  options?: unknown;
  /** an option key that must be rejected (default `__unknown_option__`) */
  unknownOptionKey?: string;
  /** the map context (default: the default pack's time zone and its mapping for this adapter) */
  context?: MapContextOptions;
  /** the clock map() sees (default 2026-11-22T01:00:00Z) */
  now?: number;
  /** inputs that are not the adapter's format at all: each must give a rejection, never a throw */
  junk?: unknown[];
  /** unused: keeps O in the signature for callers that want their options checked */
  _options?: O;
}

const DEFAULT_NOW = Date.UTC(2026, 10, 22, 1, 0, 0);
const HOUR = 3_600_000;

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

function bodyOf(f: Fixture): Buffer {
  if (f.body === undefined) return Buffer.alloc(0);
  return Buffer.from(typeof f.body === 'string' ? f.body : JSON.stringify(f.body), 'utf8');
}

function receiverFor(adapter: Adapter<unknown>, f: Fixture): HttpReceiver | undefined {
  const posts = (adapter.http ?? []).filter((r) => r.method === 'POST');
  return f.receiver ? posts.find((r) => r.path === f.receiver) : posts[0];
}

function requestOf(f: Fixture): ReceiverRequest {
  return { body: bodyOf(f), contentType: f.contentType ?? 'application/json', query: {}, headers: {} };
}

/** The inputs of a fixture: its `inputs`, or its body through the receiver's parse. */
function inputsOf(adapter: Adapter<unknown>, f: Fixture): { inputs: unknown[]; codes: ErrorCode[] } {
  if (f.inputs) return { inputs: f.inputs, codes: [] };
  const r = receiverFor(adapter, f);
  if (!r) throw new Error(`fixture ${f.name}: no POST receiver ${f.receiver ?? ''} for its body`);
  const parsed = r.parse ? r.parse(requestOf(f)) : parseJsonBody(requestOf(f));
  if (!parsed.ok) return { inputs: [], codes: [parsed.code] };
  return { inputs: parsed.inputs, codes: (parsed.bad ?? []).map((b) => b.code) };
}

function mapAll(adapter: Adapter<unknown>, inputs: unknown[], ctx: MapContext, options: unknown): Mapped[] {
  return inputs.flatMap((i) => adapter.map(deepFreeze(structuredClone(i)), ctx, options));
}

const JUNK: unknown[] = [
  null,
  undefined,
  42,
  'not the format',
  '',
  [],
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"x": 1}, "constructor": {"prototype": {}}}'),
  { a: { b: { c: { d: { e: {} } } } } },
  'x'.repeat(100_000),
  Number.NaN,
  true,
];

/**
 * The adapter contract (SPEC.md A1..A14), as vitest tests. One line in each adapter's test:
 * `adapterContract(myAdapter, { fixtures: loadFixtures(new URL('./fixtures', import.meta.url)) })`.
 */
export function adapterContract<O>(adapterIn: Adapter<O>, o: ContractOptions<O>): void {
  const adapter = adapterIn as Adapter<unknown>;
  const now = o.now ?? DEFAULT_NOW;
  const pack = loadCityPack();
  const contextOptions: MapContextOptions = o.context ?? {
    timeZone: pack.meta.timeZone,
    mapping: pack.mappings?.[adapter.name],
  };
  const ctxAt = (t: number) => createMapContext({ ...contextOptions, now: () => t });
  const good = o.fixtures.filter((f) => !(f.expect.codes ?? []).length);
  const bad = o.fixtures.filter((f) => (f.expect.codes ?? []).length);
  let options: unknown;

  describe(`adapter contract: ${adapter.name}`, () => {
    it('A1 names itself: kebab-case name, a description, a valid envelope source', () => {
      expect(adapter.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(adapter.description.length).toBeGreaterThan(0);
      expect(adapter.source).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}$/);
    });

    it('A2 options: the given ones parse, an unknown key is rejected naming the key', () => {
      const parsed = adapter.options.safeParse(o.options ?? {});
      expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
      options = parsed.data;
      const key = o.unknownOptionKey ?? '__unknown_option__';
      const base = typeof o.options === 'object' && o.options !== null ? o.options : {};
      const wrong = adapter.options.safeParse({ ...base, [key]: 1 });
      expect(wrong.success).toBe(false);
      expect(wrong.error?.message).toContain(key);
    });

    it('A3 has fixtures: at least one good and one bad, each naming where its shape comes from', () => {
      expect(good.length).toBeGreaterThan(0);
      expect(bad.length).toBeGreaterThan(0);
      for (const f of o.fixtures) {
        expect(f.origin?.length, `${f.name}: origin`).toBeGreaterThan(0);
        expect(f.body !== undefined || f.inputs !== undefined, `${f.name}: body or inputs`).toBe(true);
      }
    });

    it('A4 every good fixture maps to valid envelopes of its source, as many as expected', () => {
      options ??= adapter.options.parse(o.options ?? {});
      for (const f of good) {
        const { inputs, codes } = inputsOf(adapter, f);
        expect(codes, `${f.name}: parse`).toEqual([]);
        const out = mapAll(adapter, inputs, ctxAt(now), options);
        const failed = out.filter((m) => !m.ok);
        expect(failed, `${f.name}: rejections`).toEqual([]);
        expect(out.length, `${f.name}: events`).toBe(f.expect.events);
        for (const m of out) {
          if (!m.ok) continue;
          const parsed = parseCityEvent({ ...m.event, source: m.event.source ?? adapter.source });
          expect(parsed.ok ? 'ok' : parsed.reason, `${f.name}: envelope`).toBe('ok');
          expect(m.event.source ?? adapter.source, `${f.name}: source`).toBe(adapter.source);
        }
      }
    });

    it('A5 every bad fixture gives its codes, in order, and never throws', () => {
      options ??= adapter.options.parse(o.options ?? {});
      for (const f of bad) {
        const { inputs, codes } = inputsOf(adapter, f);
        let out: Mapped[] = [];
        expect(() => (out = mapAll(adapter, inputs, ctxAt(now), options)), f.name).not.toThrow();
        const all = [...codes, ...out.flatMap((m) => (m.ok ? [] : [m.code]))];
        expect(all, `${f.name}: codes`).toEqual(f.expect.codes);
        for (const m of out) if (!m.ok) expect(m.reason.length, `${f.name}: reason`).toBeGreaterThan(0);
        expect(out.filter((m) => m.ok).length, `${f.name}: events`).toBe(f.expect.events);
      }
    });

    it('A6 map is deterministic and pure: the same input gives the same output, inputs are not changed', () => {
      options ??= adapter.options.parse(o.options ?? {});
      for (const f of o.fixtures) {
        const { inputs } = inputsOf(adapter, f);
        expect(mapAll(adapter, inputs, ctxAt(now), options), f.name).toEqual(
          mapAll(adapter, inputs, ctxAt(now), options),
        );
      }
    });

    it('A7 ids and event times do not depend on the clock (a resend an hour later dedupes)', () => {
      options ??= adapter.options.parse(o.options ?? {});
      const ids = (t: number) =>
        good.flatMap((f) =>
          mapAll(adapter, inputsOf(adapter, f).inputs, ctxAt(t), options).map((m) =>
            m.ok ? `${m.event.id} ${m.event.eventTime}` : '',
          ),
        );
      expect(ids(now + HOUR)).toEqual(ids(now));
      expect(new Set(ids(now)).size, 'ids unique within the good fixtures').toBe(ids(now).length);
    });

    it('A8 input that is not the format at all is rejected with a code, never thrown, never dropped silently', () => {
      options ??= adapter.options.parse(o.options ?? {});
      for (const j of [...JUNK, ...(o.junk ?? [])]) {
        let out: Mapped[] = [];
        expect(() => (out = adapter.map(j, ctxAt(now), options)), String(j).slice(0, 40)).not.toThrow();
        expect(Array.isArray(out)).toBe(true);
        expect(
          out.some((m) => !m.ok),
          `junk ${JSON.stringify(j)?.slice(0, 40)}: at least one rejection`,
        ).toBe(true);
      }
    });

    describe('through the host (embedded bus, memory store, default pack)', () => {
      let bus: EmbeddedBus;
      let store: MemoryStore;
      let host: AdapterHost;
      let base = '';
      let server: ReturnType<ReturnType<typeof express>['listen']> | undefined;
      let clock = now;

      beforeAll(async () => {
        bus = new EmbeddedBus();
        store = new MemoryStore();
        await bus.ensureTopics([
          { topic: Topics.events, partitions: 2 },
          { topic: Topics.dlq, partitions: 1 },
        ]);
        const index = new CityIndex(pack);
        const cats = categoryIndex(pack.taxonomy);
        // the ingest clock stands just after the fixtures' latest event time
        const opts = adapter.options.parse(o.options ?? {});
        for (const f of good) {
          for (const m of mapAll(adapter, inputsOf(adapter, f).inputs, ctxAt(now), opts)) {
            if (m.ok) clock = Math.max(clock, Date.parse(m.event.eventTime));
          }
        }
        clock += 1000;
        const ingestor = new Ingestor({
          bus,
          store,
          locator: index,
          categoryExists: (c) => cats.has(c),
          dedupeTtlMs: 24 * HOUR,
          maxClockSkewMs: 120_000,
          allowedLatenessMs: 3650 * 24 * HOUR,
          now: () => clock,
        });
        host = new AdapterHost({
          ingestor,
          bus,
          store,
          timeZone: contextOptions.timeZone,
          mappings: contextOptions.mapping ? { [adapter.name]: contextOptions.mapping } : {},
          registry: new Registry(),
          now: () => now,
        });
        host.add(adapter, o.options ?? {});
        if (adapter.http?.length) {
          const app = express();
          app.use('/api/v1/ingest', host.httpRouter({ maxBodyBytes: 256 * 1024 }));
          await new Promise<void>((r) => (server = app.listen(0, '127.0.0.1', () => r())));
          base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/v1/ingest`;
        }
      });
      afterAll(async () => {
        await new Promise((r) => (server ? server.close(r) : r(undefined)));
        await host?.stop();
        await bus?.close();
        await store?.close();
      });

      const send = async (f: Fixture) => {
        const r = receiverFor(adapter, f);
        if (f.body !== undefined && r) {
          const res = await fetch(base + r.path, {
            method: 'POST',
            headers: { 'content-type': f.contentType ?? 'application/json' },
            body: bodyOf(f),
          });
          return { status: res.status, text: await res.text() };
        }
        const outcome = await host.submit(adapter.name, JSON.stringify(f.inputs), f.inputs ?? []);
        return { status: 202, text: JSON.stringify(outcome) };
      };

      it('A9 every fixture through the host: good ones accepted (category in the taxonomy, inside the city), bad ones dead-lettered', async () => {
        const before = host.health()[0]!;
        let expectedAccepted = 0;
        let expectedRejected = 0;
        for (const f of o.fixtures) {
          const { status } = await send(f);
          if (f.expect.status !== undefined) expect(status, `${f.name}: status`).toBe(f.expect.status);
          else expect(status, `${f.name}: status`).toBeLessThan(500);
          expectedAccepted += f.expect.accepted ?? f.expect.events;
          expectedRejected +=
            (f.expect.codes ?? []).length + (f.expect.events - (f.expect.accepted ?? f.expect.events));
        }
        const h = host.health()[0]!;
        expect(h.accepted - before.accepted, 'accepted').toBe(expectedAccepted);
        expect(h.rejected - before.rejected, 'rejected').toBe(expectedRejected);
        expect(h.deadLettered - before.deadLettered, 'dead-lettered').toBe(expectedRejected);
      });

      it('A10 a resend of every good fixture is all duplicates (stable ids), nothing accepted twice', async () => {
        const before = host.health()[0]!;
        for (const f of good) await send(f);
        const h = host.health()[0]!;
        expect(h.accepted - before.accepted).toBe(0);
        expect(h.duplicates - before.duplicates).toBe(
          good.reduce((a, f) => a + (f.expect.accepted ?? f.expect.events), 0),
        );
      });

      it('A11 every receiver answers a malformed body in its protocol (4xx, or every item rejected), the bytes dead-lettered, and keeps serving', async () => {
        const posts = (adapter.http ?? []).filter((r) => r.method === 'POST');
        for (const r of posts) {
          for (const [body, type] of [
            ['{"unterminated": ', 'application/json'],
            ['\u0000\u0001\u0002 garbage ÿ', 'application/octet-stream'],
            ['', 'application/json'],
          ] as const) {
            const beforeDl = host.health()[0]!.deadLettered;
            const beforeAcc = host.health()[0]!.accepted;
            const res = await fetch(base + r.path, { method: 'POST', headers: { 'content-type': type }, body });
            const text = await res.text();
            expect(res.status, `${r.path} ${JSON.stringify(body)}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
            expect(res.status, `${r.path} ${JSON.stringify(body)}`).toBeLessThan(500);
            expect(host.health()[0]!.accepted, 'nothing accepted').toBe(beforeAcc);
            if (res.status < 300) expect(host.health()[0]!.deadLettered).toBeGreaterThan(beforeDl);
          }
          const big = await fetch(base + r.path, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: 'x'.repeat(300 * 1024),
          });
          expect(big.status, 'a body over the limit').toBe(413);
        }
        // still serving: a good fixture with a body goes through (as a duplicate by now)
        const f = good.find((g) => g.body !== undefined);
        if (posts.length && f) expect((await send(f)).status).toBeLessThan(300);
      });

      it('A12 health names the adapter and its source, with counts, last event and connection state', () => {
        const h = host.health()[0]!;
        expect(h.name).toBe(adapter.name);
        expect(h.source).toBe(adapter.source);
        expect(h.accepted).toBeGreaterThan(0);
        expect(h.lastEventAt).not.toBeNull();
        expect(h.lastEventTime).not.toBeNull();
        expect(['http', 'idle', 'connecting', 'connected', 'disconnected']).toContain(h.connection);
      });
    });
  });
}
