import { KafkaBus } from '@cityops/bus';
import { Topics, type DeadLetter, type VitalsSnapshot } from '@cityops/schema';
import { realInfra, uniqueName } from '@cityops/testkit';
import { overLimit, structureBombs, validEvent } from './bombs.js';
import { buildCorpus } from './corpus.js';
import { Ledger, type Answer } from './ledger.js';
import { itemOf, mutate, type MutationContext } from './mutator.js';
import { HealthProbe } from './probe.js';
import { Rand } from './rand.js';
import { authHeaders, authValid, buildRequest, oddBodies, pickAuth, splitBody, type Auth } from './request.js';
import { FUZZ_API_KEY, RssSampler, startServer, type Mode } from './server.js';
import { runSlowClients, type SlowClientsResult } from './slow-http.js';
import { runSlowReader, type SlowReaderResult } from './slow-socket.js';

export interface RunOptions {
  seed: number;
  mode: Mode;
  /** inputs (events and lines) the mutation fuzzer sends; it also stops at `mutationMs` */
  inputs: number;
  mutationMs: number;
  structureBombs: boolean;
  /** the most items in one wide bomb batch (default: as many as fit in MAX_BODY_BYTES) */
  bombItems?: number;
  /** requests each carrying one event with a string field of nearly MAX_BODY_BYTES */
  sizePressure: number;
  slowClients: { headerClients: number; bodyClients: number; durationMs: number } | null;
  slowReader: { resyncs: number; pauseMs: number } | null;
  /** the stated bounds */
  bounds: Bounds;
  log: (m: string) => void;
}

export interface Bounds {
  /** peak RSS may be at most this many MB above the idle RSS of the same run */
  rssGrowthMb: number;
  /** the slowest /healthz answer while fuzzing */
  healthMs: number;
  /** snapshots a non-reading screen may get for a flood of resyncs (rate limit + burst) */
  readerSnapshots: number;
}

export const DEFAULT_BOUNDS: Bounds = { rssGrowthMb: 256, healthMs: 2_000, readerSnapshots: 20 };
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_CLOCK_SKEW_MS = 2 * 60 * 1000;
/** the header ingest stamps `source/id` under (`@cityops/ingest` EVENT_ID_HEADER; the launcher does not depend on ingest) */
const EVENT_ID_HEADER = 'cityops-event';

export interface RunResult {
  seed: number;
  mode: Mode;
  ledger: Ledger;
  idleRss: number;
  peakRss: number;
  crashes: string[];
  healthSlowestMs: number;
  slow?: SlowClientsResult;
  reader?: SlowReaderResult;
  rssByPhase: Map<string, number>;
  seconds: number;
  pass: boolean;
}

async function post(url: string, body: string, contentType: string | undefined, auth: Auth): Promise<Answer> {
  const t0 = Date.now();
  try {
    const res = await fetch(new URL('/api/v1/events', url), {
      method: 'POST',
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...authHeaders(auth, FUZZ_API_KEY) },
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // kept as text: a 4xx without a JSON code is reported by the ledger
    }
    return { status: res.status, body: parsed, ms: Date.now() - t0 };
  } catch (err) {
    return { status: 0, body: null, error: String((err as Error).cause ?? err), ms: Date.now() - t0 };
  }
}

const shorten = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/**
 * One seeded run against a fresh server: the mutation fuzzer, the structure bombs, size
 * pressure, slow HTTP clients and a slow socket.io reader, then the checks that the counts add
 * up (per request, the ingest's counts, the dead-letter tail, the vital signs or the topic),
 * that the server never died, and that its RSS stayed within the bound.
 */
export async function runFuzz(o: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const ledger = new Ledger();
  const rand = new Rand(o.seed);
  const tag = `fz${o.seed}-${uniqueName('r').slice(-6)}`;
  const corpus = buildCorpus(o.seed);
  const server = await startServer(o.mode, { MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  const url = server.app.url;
  const kafka =
    o.mode === 'distributed' ? await KafkaBus.connect({ brokers: realInfra().kafkaBrokers, clientId: tag }) : undefined;
  const eventsStart = kafka ? await kafka.endOffsets(Topics.events) : undefined;
  let result: RunResult | undefined;
  try {
    await new Promise((r) => setTimeout(r, 1_500));
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(server.rss());
      await new Promise((r) => setTimeout(r, 200));
    }
    const idleRss = samples.sort((a, b) => a - b)[2]!;
    const sampler = new RssSampler(() => server.rss());
    const health = new HealthProbe(url);
    let n = 0;
    const ctx: MutationContext = {
      rand,
      now: Date.now(),
      freshId: () => `${tag}-${++n}`,
      earlier: ledger.acceptedIds,
      skewMs: MAX_CLOCK_SKEW_MS,
    };
    const checkDeadLetters = async (codes: string[], repro: () => string) => {
      // embedded only: in distributed mode the tail also holds other processes' dead letters
      if (o.mode !== 'embedded' || codes.length === 0) return;
      const want = codes.slice(-50).sort();
      let got: string[] = [];
      for (let i = 0; i < 50; i++) {
        const res = await fetch(new URL(`/api/v1/dead-letters?limit=${want.length}`, url), {
          headers: { 'x-api-key': FUZZ_API_KEY },
        });
        got = ((await res.json()) as { deadLetters: DeadLetter[] }).deadLetters.map((d) => d.code).sort();
        if (got.join() === want.join()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      ledger.fail(
        'dead letters',
        `the tail's newest ${want.length}: ${shorten(got.join(','), 120)}; the answer's rejections: ${shorten(want.join(','), 120)}`,
        repro(),
      );
    };
    const send = async (
      body: string,
      contentType: string | undefined,
      auth: Auth,
      items: ReturnType<typeof splitBody>,
      repro: () => string,
      dl: boolean,
    ) => {
      const tooLarge = Buffer.byteLength(body) > MAX_BODY_BYTES;
      const answer = await post(url, body, contentType, auth);
      const codes = ledger.check(items, answer, authValid(auth), tooLarge, repro);
      if (dl && answer.status < 500 && answer.status !== 0) await checkDeadLetters(codes, repro);
      return answer;
    };

    // whole bodies that are odd as a whole
    for (const b of oddBodies()) {
      await send(
        b.body,
        b.contentType,
        'x-api-key',
        splitBody(b.body, b.contentType, [b.label]),
        () => `${b.label}: ${JSON.stringify(b.body)} (${b.contentType})`,
        true,
      );
    }

    // the mutation fuzzer over every envelope type, every body shape, every auth variant
    o.log(`${o.mode} seed ${o.seed}: mutation fuzz, ${o.inputs} inputs`);
    sampler.phase = health.phase = 'mutation';
    const until = Date.now() + o.mutationMs;
    let requests = 0;
    while (ledger.inputs < o.inputs && Date.now() < until) {
      ctx.now = Date.now();
      const size = rand.weighted<number>([
        [4, 1],
        [8, rand.int(2, 20)],
        [2, rand.int(50, 200)],
      ]);
      const ndjson = rand.chance(0.4);
      const items = Array.from({ length: size }, () => itemOf(mutate(rand.pick(corpus), ctx), ctx, ndjson));
      const req = buildRequest(items, rand, ndjson, pickAuth(rand));
      const repro = () => {
        const bad = req.items!.filter((i) => i.ops.length).map((i) => `${i.ops.join(', ')}: ${shorten(i.text, 200)}`);
        return `${req.ops.join(' ')}, auth ${req.auth}, ${req.contentType ?? 'no content-type'}${bad.length ? `; mutated: ${bad.slice(0, 3).join(' | ')}` : ''}`;
      };
      await send(req.body, req.contentType, req.auth, req.items, repro, ++requests % 20 === 0);
    }

    if (o.structureBombs) {
      o.log(`${o.mode} seed ${o.seed}: structure bombs`);
      sampler.phase = health.phase = 'bombs';
      for (const b of [
        ...structureBombs(MAX_BODY_BYTES, Date.now(), (l) => `${tag}-${l}`, o.bombItems),
        overLimit(MAX_BODY_BYTES),
      ]) {
        const a = await send(
          b.body,
          b.contentType,
          'x-api-key',
          splitBody(b.body, b.contentType, [b.label]),
          () => `${b.label}: ${b.repro}`,
          true,
        );
        o.log(`  ${b.label}: ${a.status} in ${a.ms} ms`);
      }
    }

    if (o.sizePressure > 0) {
      o.log(`${o.mode} seed ${o.seed}: size pressure, ${o.sizePressure} requests of ~1 MB`);
      sampler.phase = health.phase = 'size pressure';
      const big = 'x'.repeat(MAX_BODY_BYTES - 4_000);
      for (let i = 0; i < o.sizePressure; i++) {
        const ev = validEvent(`${tag}-p${i}`, Date.now());
        (ev.payload as Record<string, unknown>).sensorId = big;
        const body = JSON.stringify(ev);
        await send(
          body,
          'application/json',
          'x-api-key',
          splitBody(body, 'application/json', []),
          () =>
            `valid sensor.reading with payload.sensorId = "x"×${big.length}, sent ${o.sizePressure} times with fresh ids`,
          false,
        );
        if (server.crashes.length) break;
      }
    }

    let slow: SlowClientsResult | undefined;
    let reader: SlowReaderResult | undefined;
    if (o.slowClients || o.slowReader) {
      o.log(`${o.mode} seed ${o.seed}: slow clients and a slow socket.io reader`);
      sampler.phase = health.phase = 'slow clients';
      [slow, reader] = await Promise.all([
        o.slowClients ? runSlowClients({ url, apiKey: FUZZ_API_KEY, byteEveryMs: 1_000, ...o.slowClients }) : undefined,
        o.slowReader ? runSlowReader({ url, token: server.app.screenToken, ...o.slowReader }) : undefined,
      ]);
      if (slow && slow.open > 0)
        ledger.fail(
          'slow clients',
          `${slow.open} of ${slow.opened} slow connections still open after ${o.slowClients!.durationMs} ms`,
          `${o.slowClients!.headerClients} connections sending headers 1 byte/s, ${o.slowClients!.bodyClients} sending a body 1 byte/s`,
        );
      if (reader && !reader.handshake)
        ledger.fail(
          'slow reader',
          'the socket.io handshake failed',
          'raw WebSocket /socket.io/?EIO=4 with a same-origin Origin',
        );
      if (reader && reader.snapshots > o.bounds.readerSnapshots)
        ledger.fail(
          'slow reader',
          `a non-reading screen got ${reader.snapshots} snapshots (${(reader.bytes / 1e6).toFixed(1)} MB) for ${reader.resyncsSent} resyncs; bound ${o.bounds.readerSnapshots}`,
          `socket.io client sends ${reader.resyncsSent} × resync {channel:'vitals'} and does not read for ${o.slowReader!.pauseMs} ms`,
        );
    }

    // a marker batch: its rejections must reach the dead-letter tail
    const marker = [
      { ...validEvent(`${tag}-m1`, Date.now()), v: 2 },
      { ...validEvent(`${tag}-m2`, Date.now()), location: { lon: 116.39, lat: 39.9 } },
      { ...validEvent(`${tag}-m3`, Date.now()), eventTime: new Date(Date.now() + 3_600_000).toISOString() },
    ];
    const markerBody = JSON.stringify(marker);
    const markerAnswer = await send(
      markerBody,
      'application/json',
      'x-api-key',
      splitBody(markerBody, 'application/json', []),
      () => 'marker batch',
      false,
    );
    if (markerAnswer.status === 202) await checkMarker(url, tag, ledger);

    await health.stop();
    sampler.stop();
    await checkIngestStats(url, ledger);
    if (o.mode === 'embedded') await checkVitals(url, ledger);
    else await checkTopic(kafka!, eventsStart!, ledger);
    if (health.slowestMs > o.bounds.healthMs)
      ledger.fail(
        'stall',
        `/healthz took ${health.slowestMs} ms (bound ${o.bounds.healthMs} ms)`,
        `slowest by phase: ${[...health.byPhase].map(([p, ms]) => `${p} ${ms} ms`).join(', ')}`,
      );
    if (health.failures > 0)
      ledger.fail('stall', `/healthz failed ${health.failures} of ${health.probes} times`, 'while fuzzing');
    const peakRss = sampler.peak;
    if (peakRss - idleRss > o.bounds.rssGrowthMb * 1024 * 1024)
      ledger.fail(
        'memory',
        `peak RSS ${mb(peakRss)} MB is ${mb(peakRss - idleRss)} MB over the idle ${mb(idleRss)} MB (bound +${o.bounds.rssGrowthMb} MB)`,
        `peak by phase: ${[...sampler.byPhase].map(([p, b]) => `${p} ${mb(b)} MB`).join(', ')}`,
      );
    result = {
      seed: o.seed,
      mode: o.mode,
      ledger,
      idleRss,
      peakRss,
      crashes: server.crashes,
      healthSlowestMs: health.slowestMs,
      ...(slow ? { slow } : {}),
      ...(reader ? { reader } : {}),
      rssByPhase: sampler.byPhase,
      seconds: 0,
      pass: false,
    };
  } finally {
    await kafka?.close();
    await server.stop();
  }
  result.seconds = (Date.now() - started) / 1000;
  result.pass = result.ledger.failures.length === 0 && result.crashes.length === 0 && result.ledger.fiveXX === 0;
  return result;
}

export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

async function checkMarker(url: string, tag: string, ledger: Ledger): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(new URL('/api/v1/dead-letters?limit=500', url), { headers: { 'x-api-key': FUZZ_API_KEY } });
    const letters = ((await res.json()) as { deadLetters: DeadLetter[] }).deadLetters;
    const found = [1, 2, 3].filter((k) => letters.some((d) => d.raw.includes(`"${tag}-m${k}"`)));
    if (found.length === 3) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  ledger.fail(
    'dead letters',
    "the marker batch's 3 rejections are not on /api/v1/dead-letters",
    'v:2, outside the city, an hour ahead',
  );
}

/** The ingest's own counts on /healthz (accepted, duplicates, dead letters by code) equal the answers'. */
async function checkIngestStats(url: string, ledger: Ledger): Promise<void> {
  // the components of /healthz need an identity: the fuzz key is a data-team key too
  const health = (await (await fetch(new URL('/healthz', url), { headers: { 'x-api-key': FUZZ_API_KEY } })).json()) as {
    components: { ingest: { accepted: number; duplicates: number; rejected: Record<string, number> } };
  };
  const s = health.components.ingest;
  const want = Object.fromEntries([...ledger.rejectedByCode].sort());
  const got = Object.fromEntries(Object.entries(s.rejected).sort());
  if (
    s.accepted !== ledger.accepted ||
    s.duplicates !== ledger.duplicates ||
    JSON.stringify(want) !== JSON.stringify(got)
  ) {
    ledger.fail(
      'counts',
      `/healthz ingest: accepted ${s.accepted}, duplicates ${s.duplicates}, rejected ${JSON.stringify(got)}; the answers: ${ledger.accepted}, ${ledger.duplicates}, ${JSON.stringify(want)}`,
      'the whole run',
    );
  }
}

/** Embedded, fresh process: the screen's 15-minute total is every accepted event, and each breakdown sums to it. */
async function checkVitals(url: string, ledger: Ledger): Promise<void> {
  let state: VitalsSnapshot | undefined;
  for (let i = 0; i < 60; i++) {
    const res = await fetch(new URL('/api/v1/snapshot', url), { headers: { 'x-api-key': FUZZ_API_KEY } });
    const snap = (await res.json()) as { state: VitalsSnapshot };
    state = snap.state;
    if (state.total.m15 === ledger.accepted) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const sum = (m: Record<string, { m15: number }>) => Object.values(m).reduce((s, c) => s + c.m15, 0);
  const total = state!.total.m15;
  if (total !== ledger.accepted)
    ledger.fail(
      'vitals',
      `the screen's total is ${total}, ${ledger.accepted} were accepted (dropped: ${JSON.stringify(state!.dropped)})`,
      'accepted events with impossible times (see E_EVT_* codes)',
    );
  for (const [name, m] of [
    ['bySource', state!.bySource],
    ['byType', state!.byType],
    ['byDistrict', state!.byDistrict],
  ] as const) {
    if (sum(m) !== total)
      ledger.fail(
        'vitals',
        `${name} sums to ${sum(m)}, the total is ${total}`,
        `sources named like ${Object.keys(m).slice(0, 3).join(', ')}; try source "constructor"`,
      );
  }
}

/** Distributed: every accepted event is on city.events.v1 exactly once (the vital signs there also hold other tests' events). */
async function checkTopic(bus: KafkaBus, from: Record<number, number>, ledger: Ledger): Promise<void> {
  const keys = new Set(ledger.acceptedIds.map((k) => `${k.source}/${k.id}`));
  const seen = new Map<string, number>();
  const sub = await bus.replay({
    topic: Topics.events,
    fromOffsets: from,
    eachBatch: async (batch) => {
      for (const r of batch.records) {
        const id = r.headers?.[EVENT_ID_HEADER];
        if (id !== undefined && keys.has(id)) seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    },
  });
  await Promise.race([sub.done, new Promise((r) => setTimeout(r, 30_000))]);
  await sub.stop();
  const twice = [...seen.values()].filter((c) => c > 1).length;
  if (seen.size !== keys.size || twice)
    ledger.fail(
      'topic',
      `${seen.size} of ${keys.size} accepted events are on ${Topics.events}; ${twice} more than once`,
      'the whole run',
    );
}
