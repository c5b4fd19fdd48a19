import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mulberry32 } from '@cityops/city';
import { Topics } from '@cityops/schema';
import { RedisStore } from '@cityops/store';
import { repoRoot } from '@cityops/testkit';
import { BUCKET_MS, bucketOf } from '@cityops/vitals';
import { freePort, type PrivateKafka, type PrivateRedis } from './infra.js';
import { Proc } from './procs.js';
import type { ProducerArgs } from './producer-args.js';
import { compareVitals, expectedVitals, type Comparison } from './scenario.js';
import { Service, type AppEnv } from './services.js';

export const CHAOS_API_KEY = 'chaos-suite-key-0123456789abcdef';

export interface SuiteEnv {
  kafka: PrivateKafka;
  redis: PrivateRedis;
  /** the scenario directory (events.ndjson, scenario.json) */
  scenarioDir: string;
  scenarioEvents: number;
  scenarioMs: number;
  /** the suite's working directory: logs of every process go under it */
  workDir: string;
  seed: number;
  /** how long the replay of the whole scenario takes, in wall ms (sets the replay speed) */
  replayMs: number;
  /** deadline of one run, replay included */
  runDeadlineMs: number;
}

/** What a fault sees while the producer runs. */
export interface RunContext {
  suite: SuiteEnv;
  /** this fault's own seeded stream: its fault points */
  rand: () => number;
  gateway: Service;
  aggregator: Service;
  /** a further aggregator instance in the same group */
  newAggregator(label: string): Service;
  /**
   * (Re)starts the producer from the start of the scenario; resolves when it has started. With
   * `skipMs`, it rushes through the first `skipMs` of the schedule (see ProducerArgs.skipMs).
   */
  startProducer(skipMs?: number): Promise<Proc>;
  /** resolves as soon as the producer has sent its next batch (the request is in flight) */
  nextPost(): Promise<void>;
  /** how long the producer's last acknowledged request took (ms), 0 before the first */
  lastRequestMs(): number;
  producer(): Proc | undefined;
  /** ms since the first producer started */
  elapsed(): number;
  /** waits until `ms` after the first producer started */
  at(ms: number): Promise<void>;
  note(text: string): void;
  /** resolves when the current producer exits */
  producerDone(): Promise<number | string>;
}

export interface Fault {
  id: string;
  title: string;
  /** runs alongside the producer; resolves when the fault is done injecting */
  inject(ctx: RunContext): Promise<void>;
}

export interface RunResult extends Comparison {
  fault: string;
  title: string;
  /** events the producer(s) posted, re-sends included */
  sent: number;
  seconds: number;
  pass: boolean;
  notes: string[];
}

/** A uniform draw in [lo, hi) from the fault's stream. */
export function between(rand: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * rand();
}

/** A fault's own seed: the suite seed mixed with the fault id, so one fault's points do not shift another's. */
export function faultSeed(seed: number, id: string): number {
  let h = seed >>> 0;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
  return h;
}

/**
 * One run: a fresh key prefix and consumer group, the gateway and one aggregator, the producer
 * replaying the scenario while `fault` injects; then waits (bounded) until the group's progress
 * reaches the topic's end offsets, and compares every counter of this run's buckets with the
 * counts computed from the scenario file. Every process it started is stopped at the end.
 */
export async function runFault(suite: SuiteEnv, fault: Fault): Promise<RunResult> {
  const t0 = Date.now();
  const tag = `${fault.id}-${t0.toString(36)}`;
  const logDir = join(suite.workDir, `run-${tag}`);
  mkdirSync(logDir, { recursive: true });
  const notes: string[] = [];
  const appEnv: AppEnv = {
    kafkaBrokers: suite.kafka.brokers,
    redisUrl: suite.redis.url,
    keyPrefix: `chaos-${tag}`,
    group: `chaos-agg-${tag}`,
    apiKey: CHAOS_API_KEY,
    logDir,
  };
  const port = await freePort();
  const gateway = new Service('gateway', 'gateway', appEnv, { PORT: String(port) });
  const aggregators: Service[] = [new Service('aggregator', 'aggregator', appEnv)];
  const speed = suite.scenarioMs / suite.replayMs;
  // the run's events are stamped from the next bucket boundary on: no earlier run shares a bucket
  const anchor = bucketOf(Date.now()) + BUCKET_MS;
  const expectedP = expectedVitals(suite.scenarioDir, anchor, speed);
  const deadline = t0 + suite.runDeadlineMs;
  let producer: Proc | undefined;
  let producers = 0;
  let firstStart: number | undefined;
  const acks: number[] = [];
  const store = new RedisStore({ url: suite.redis.url, keyPrefix: appEnv.keyPrefix, connectionName: 'chaos-reader' });

  let over = false;
  const startProducer = async (skipMs?: number): Promise<Proc> => {
    if (over) throw new Error('the run is over');
    if (producer) {
      acks.push(lastSent(producer));
      noteSummary(producer, notes);
    }
    producers++;
    const args: ProducerArgs = {
      dir: suite.scenarioDir,
      url: `http://127.0.0.1:${port}`,
      apiKey: CHAOS_API_KEY,
      speed,
      anchor,
      batch: 1000,
      ...(skipMs === undefined ? {} : { skipMs }),
    };
    const { proc } = await Proc.start({
      name: `producer#${producers}`,
      command: process.execPath,
      args: [join(repoRoot, 'apps', 'launcher', 'dist', 'chaos', 'producer.js'), JSON.stringify(args)],
      logFile: join(logDir, `producer-${producers}.log`),
    });
    producer = proc;
    firstStart ??= Date.now();
    return proc;
  };

  const ctx: RunContext = {
    suite,
    rand: mulberry32(faultSeed(suite.seed, fault.id)),
    gateway,
    get aggregator() {
      return aggregators[0]!;
    },
    newAggregator(label) {
      if (over) throw new Error('the run is over');
      const s = new Service(label, 'aggregator', appEnv);
      aggregators.push(s);
      return s;
    },
    startProducer,
    producer: () => producer,
    elapsed: () => (firstStart === undefined ? 0 : Date.now() - firstStart),
    at: async (ms) => {
      const wait = (firstStart ?? Date.now()) + ms - Date.now();
      if (wait > 0) await sleep(wait);
    },
    note: (text) => notes.push(text),
    producerDone: () => producer?.exited ?? Promise.resolve('not started'),
    lastRequestMs: () => {
      const all = [...(producer?.output() ?? '').matchAll(/chaos-ack (\d+)/g)];
      return all.length ? Number(all.at(-1)![1]) : 0;
    },
    nextPost: () =>
      new Promise<void>((resolve) => {
        const p = producer;
        if (!p?.alive) return resolve();
        const onData = (chunk: Buffer) => {
          if (!chunk.toString().includes('chaos-post')) return;
          p.child.stdout!.off('data', onData);
          resolve();
        };
        p.child.stdout!.on('data', onData);
        void p.exited.then(() => resolve());
      }),
  };

  let comparison: Comparison | undefined;
  try {
    await Promise.all([gateway.start(), aggregators[0]!.start()]);
    const expected = await expectedP;
    if (Object.keys(expected.excluded).length)
      notes.push(`scenario events ingest rejects: ${JSON.stringify(expected.excluded)}`);
    if (Date.now() < anchor) await sleep(anchor - Date.now());
    await startProducer();
    const injecting = withDeadline(fault.inject(ctx), deadline, 'the fault');
    // the fault decides about re-runs (fault c); the run waits for the last producer it started
    await injecting;
    const code = await withDeadline(ctx.producerDone(), deadline, 'the producer');
    if (code !== 0) notes.push(`producer exited ${code}: ${lastLine(producer!.tail())}`);
    acks.push(lastSent(producer!));
    noteSummary(producer!, notes);
    if (!aggregators[0]!.alive) await aggregators[0]!.start();
    await waitCaughtUp(suite, store, appEnv.group, deadline, notes);
    const read = await store.readVitals(appEnv.group, 0, Number.MAX_SAFE_INTEGER);
    comparison = compareVitals(expected.buckets, read.buckets, bucketOf(anchor));
    if (Object.keys(read.dropped).length) notes.push(`dropped by the aggregator: ${JSON.stringify(read.dropped)}`);
  } catch (err) {
    notes.push(`run aborted: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    const expected = await expectedP;
    const read = await store.readVitals(appEnv.group, 0, Number.MAX_SAFE_INTEGER).catch(() => undefined);
    comparison = compareVitals(expected.buckets, read?.buckets ?? new Map(), bucketOf(anchor));
  } finally {
    over = true;
    for (const s of [gateway, ...aggregators]) notes.push(...s.unexpectedExits);
    await Promise.all([gateway, ...aggregators].map((s) => s.close()));
    await producer?.kill9();
    await store.close().catch(() => undefined);
  }
  const sent = acks.reduce((a, b) => a + b, 0);
  return {
    ...comparison,
    fault: fault.id,
    title: fault.title,
    sent,
    seconds: (Date.now() - t0) / 1000,
    pass: comparison.differing === 0 && comparison.expectedTotal > 0,
    notes,
  };
}

/**
 * Waits until the group's stored progress reaches the topic's end offsets on every partition, or
 * until nothing has moved for 20 s (a group that lost its progress may never get there), bounded
 * by the run's deadline.
 */
async function waitCaughtUp(
  suite: SuiteEnv,
  store: RedisStore,
  group: string,
  deadline: number,
  notes: string[],
): Promise<void> {
  const ends = await retry(() => suite.kafka.endOffsets(Topics.events), deadline);
  let lastKey = '';
  let stableSince = Date.now();
  for (;;) {
    const progress = await store.readProgress(group).catch(() => undefined);
    if (progress) {
      const behind = Object.entries(ends).filter(
        ([p, end]) => end > 0 && (progress[`${Topics.events}:${p}`]?.nextOffset ?? 0) < end,
      );
      if (behind.length === 0) return;
      const key = JSON.stringify(progress);
      if (key !== lastKey) {
        lastKey = key;
        stableSince = Date.now();
      } else if (Date.now() - stableSince > 20_000) {
        notes.push(
          `not caught up: progress stood still for 20 s with ${behind.length} partition(s) behind the end offsets`,
        );
        return;
      }
    }
    if (Date.now() > deadline) {
      notes.push('not caught up by the run deadline');
      return;
    }
    await sleep(250);
  }
}

async function retry<T>(fn: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

function withDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not finish by the run deadline`)),
      Math.max(0, deadline - Date.now()),
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function lastSent(p: Proc): number {
  const all = [...p.output().matchAll(/chaos-post \d+ (\d+)/g)];
  return all.length ? Number(all.at(-1)![1]) : 0;
}

/** The producer's own account (`chaos-summary`), when it got to the end. */
function noteSummary(p: Proc, notes: string[]): void {
  const m = /chaos-summary (\{.*\})/.exec(p.output());
  if (!m) return;
  const s = JSON.parse(m[1]!) as {
    accepted: number;
    duplicates: number;
    rejected: Record<string, number>;
    retries: number;
  };
  notes.push(
    `${p.name}: accepted ${s.accepted}, duplicates ${s.duplicates}, rejected ${JSON.stringify(s.rejected)}, retries ${s.retries}`,
  );
}

function lastLine(text: string): string {
  return (text.trim().split('\n').at(-1) ?? '').slice(0, 300);
}
