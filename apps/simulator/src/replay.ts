import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnsettledError, sendUntilSettled, type SettleAnswer } from '@cityops/ingest';
import { CityopsError, ErrorCodes, isCityopsError } from '@cityops/schema';
import { SCENARIO_FILES, type ScenarioManifest } from './offline.js';
import { Resend, postBatch } from './http-post.js';
import { Progress, type ProgressOut, type ProgressState } from './progress.js';

/** What a system answered for one batch; `errors[].index` is the line's position in the batch. */
export interface DeliveryResult {
  accepted: number;
  duplicates: number;
  errors?: Array<{ index?: number; code: string }>;
}

/**
 * Hands one batch of NDJSON lines to the system. Events answered E_EVT_IN_FLIGHT are sent again;
 * a thrown E_BUS_UNAVAILABLE or E_STORE_UNAVAILABLE means "send the whole batch again".
 */
export type Deliver = (lines: string[]) => Promise<DeliveryResult>;

export interface ReplayOptions {
  dir: string;
  /** base URL of a running gateway, e.g. http://127.0.0.1:8080 (HTTP delivery) */
  url: string;
  apiKey: string;
  /** deliver straight onto the bus (through an in-process ingest path) instead of over HTTP */
  deliver?: Deliver;
  /** scenario seconds per wall second, or 'max' for as fast as the system takes them */
  speed: number | 'max';
  /** events per POST (default 1000: ~350 kB, under the default MAX_BODY_BYTES) */
  batchSize?: number;
  /** how long a batch's unsettled events are sent again before the replay gives up (default 120 s) */
  deadlineMs?: number;
  /** where the progress bar goes (default process.stderr) */
  progressOut?: ProgressOut;
  fetch?: typeof fetch;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

export interface ReplaySummary {
  events: number;
  accepted: number;
  duplicates: number;
  rejected: Partial<Record<string, number>>;
  batches: number;
  retries: number;
  seconds: number;
}

/** How far ahead of its due time an event may be sent: it lets a batch fill without waiting per event. */
const LEAD_MS = 200;

/**
 * Plays a scenario directory into a running system through `POST /api/v1/events` (NDJSON,
 * `X-API-Key`). Event times are re-based so that the scenario's start maps to now and scenario
 * time runs `speed` times faster than the wall clock (eventTime = now0 + (t - start) / speed): ingest
 * rejects times in the future, and the aggregator keys its windows by event time, so the original
 * 2025 times would be refused as stale. With `speed: 'max'` each batch is stamped with the wall
 * time it is sent at. Every event is sent until it is settled (accepted, duplicate or rejected):
 * events answered "retry" (E_EVT_IN_FLIGHT), and whole batches answered 503 or cut off by a
 * connection error (a gateway killed mid-request), are sent again with backoff, for at most
 * `deadlineMs` per batch; then the replay throws `UnsettledError` naming how many are left.
 * 401, 400 and 413 stop the replay with their reason. With `deliver` (`--bus`), batches go
 * straight onto the bus through the same ingest path instead, settled the same way.
 */
export async function replayScenario(o: ReplayOptions): Promise<ReplaySummary> {
  const now = o.now ?? Date.now;
  const wait = o.wait ?? sleep;
  const doFetch = o.fetch ?? fetch;
  const batchSize = o.batchSize ?? 1000;
  const manifest = JSON.parse(await readFile(join(o.dir, SCENARIO_FILES.scenario), 'utf8')) as ScenarioManifest;
  const scenarioStart = Date.parse(manifest.start);
  const endpoint = new URL('/api/v1/events', o.url).toString();
  const progress = new Progress(o.progressOut ?? process.stderr, now);
  const state: ProgressState = {
    done: 0,
    total: manifest.events,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    simTime: null,
  };
  const summary: ReplaySummary = {
    events: 0,
    accepted: 0,
    duplicates: 0,
    rejected: {},
    batches: 0,
    retries: 0,
    seconds: 0,
  };
  const wall0 = now();

  const answerOf = (body: DeliveryResult): SettleAnswer => {
    const errors = body.errors ?? [];
    const inFlight = (e: { code: string }) => e.code === ErrorCodes.EVT_IN_FLIGHT;
    return {
      accepted: body.accepted,
      duplicates: body.duplicates,
      rejected: errors.filter((e) => !inFlight(e)),
      retry: errors.filter(inFlight).map((e) => {
        if (e.index === undefined) throw new Error('the system answered E_EVT_IN_FLIGHT without the event index');
        return e.index;
      }),
    };
  };

  const viaHttp = async (lines: string[]): Promise<SettleAnswer> => {
    const { status, text } = await postBatch(doFetch, endpoint, 'application/x-ndjson', o.apiKey, lines.join('\n'));
    if (status === 202 || status === 200) return answerOf(JSON.parse(text) as DeliveryResult);
    if (status === 401) {
      throw new CityopsError(
        ErrorCodes.HTTP_UNAUTHORIZED,
        `the system refused the API key (401): pass a key from its INGEST_API_KEYS with --api-key`,
      );
    }
    if (status === 413) {
      throw new CityopsError(
        ErrorCodes.HTTP_BODY_TOO_LARGE,
        `a batch of ${lines.length} events is over the system's MAX_BODY_BYTES (413): use a smaller --batch`,
      );
    }
    throw new CityopsError(
      ErrorCodes.HTTP_BAD_REQUEST,
      `the system answered ${status} to a batch: ${text.slice(0, 300)}`,
    );
  };

  const send = o.deliver ? async (lines: string[]) => answerOf(await o.deliver!(lines)) : viaHttp;
  const post = async (lines: string[]): Promise<void> => {
    const totals = await sendUntilSettled(lines, send, {
      deadlineMs: o.deadlineMs ?? 120_000,
      retryable: (err) =>
        err instanceof Resend || isCityopsError(err, 'E_BUS_UNAVAILABLE') || isCityopsError(err, 'E_STORE_UNAVAILABLE'),
      now,
      wait,
    }).catch((err: unknown) => {
      if (!(err instanceof UnsettledError)) throw err;
      const accepted = summary.accepted + err.totals.accepted;
      throw new CityopsError(
        err.code,
        `replay stopped: ${err.message}; ${accepted} accepted before, ${manifest.events - state.done} not sent yet`,
        err.details,
      );
    });
    summary.accepted += totals.accepted;
    summary.duplicates += totals.duplicates;
    for (const e of totals.rejected) summary.rejected[e.code] = (summary.rejected[e.code] ?? 0) + 1;
    summary.retries += totals.resends;
    summary.batches++;
    state.accepted = summary.accepted;
    state.duplicates = summary.duplicates;
    state.rejected += totals.rejected.length;
  };

  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const lines = batch;
    batch = [];
    await post(lines);
    progress.update(state);
  };

  const lines = createInterface({ input: createReadStream(join(o.dir, SCENARIO_FILES.events)), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const event = JSON.parse(line) as { eventTime: string };
    const t = Date.parse(event.eventTime);
    let due = now();
    if (o.speed !== 'max') {
      due = wall0 + (t - scenarioStart) / o.speed;
      const ahead = due - now();
      if (ahead > LEAD_MS) {
        await flush();
        const still = due - now();
        if (still > 0) await wait(still);
      }
    }
    state.simTime = event.eventTime;
    event.eventTime = new Date(Math.floor(Math.min(due, now() + LEAD_MS))).toISOString();
    batch.push(JSON.stringify(event));
    state.done++;
    summary.events++;
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  summary.seconds = (now() - wall0) / 1000;
  progress.finish(state);
  return summary;
}
