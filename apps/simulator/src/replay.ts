import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CityopsError, ErrorCodes, isCityopsError } from '@cityops/schema';
import { SCENARIO_FILES, type ScenarioManifest } from './offline.js';
import { Progress, type ProgressOut, type ProgressState } from './progress.js';

/** What a system answered for one batch. */
export interface DeliveryResult {
  accepted: number;
  duplicates: number;
  errors?: Array<{ code: string }>;
}

/** Hands one batch of NDJSON lines to the system; throws E_BUS_UNAVAILABLE for a retryable failure. */
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

const MAX_RETRIES = 8;
/** How far ahead of its due time an event may be sent: it lets a batch fill without waiting per event. */
const LEAD_MS = 200;

/**
 * Plays a scenario directory into a running system through `POST /api/v1/events` (NDJSON,
 * `X-API-Key`). Event times are re-based so that the scenario's start maps to now and scenario
 * time runs `speed` times faster than the wall clock (eventTime = now0 + (t - start) / speed): ingest
 * rejects times in the future, and the aggregator keys its windows by event time, so the original
 * 2025 times would be refused as stale. With `speed: 'max'` each batch is stamped with the wall
 * time it is sent at. 503 is retried with backoff; 401 and 400 stop the replay with their reason.
 * With `deliver` (`--bus`), batches go straight onto the bus through the same ingest path instead.
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

  const record = (body: DeliveryResult): void => {
    summary.accepted += body.accepted;
    summary.duplicates += body.duplicates;
    for (const e of body.errors ?? []) summary.rejected[e.code] = (summary.rejected[e.code] ?? 0) + 1;
    state.accepted = summary.accepted;
    state.duplicates = summary.duplicates;
    state.rejected += body.errors?.length ?? 0;
    summary.batches++;
  };

  const deliverDirect = async (deliver: Deliver, lines: string[]): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return record(await deliver(lines));
      } catch (err) {
        if (!isCityopsError(err, 'E_BUS_UNAVAILABLE') || attempt >= MAX_RETRIES) throw err;
        summary.retries++;
        await wait(backoff(attempt));
      }
    }
  };

  const post = async (lines: string[]): Promise<void> => {
    if (o.deliver) return deliverDirect(o.deliver, lines);
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await doFetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', 'x-api-key': o.apiKey },
          body: lines.join('\n'),
        });
      } catch (err) {
        if (attempt >= MAX_RETRIES)
          throw new CityopsError(ErrorCodes.BUS_UNAVAILABLE, `cannot reach ${endpoint}: ${String(err)}`);
        summary.retries++;
        await wait(backoff(attempt));
        continue;
      }
      const text = await res.text();
      if (res.status === 202 || res.status === 200) {
        return record(JSON.parse(text) as DeliveryResult);
      }
      if (res.status === 503 && attempt < MAX_RETRIES) {
        summary.retries++;
        await wait(backoff(attempt));
        continue;
      }
      if (res.status === 401) {
        throw new CityopsError(
          ErrorCodes.HTTP_UNAUTHORIZED,
          `the system refused the API key (401): pass a key from its INGEST_API_KEYS with --api-key`,
        );
      }
      if (res.status === 413) {
        throw new CityopsError(
          ErrorCodes.HTTP_BODY_TOO_LARGE,
          `a batch of ${lines.length} events is over the system's MAX_BODY_BYTES (413): use a smaller --batch`,
        );
      }
      throw new CityopsError(
        ErrorCodes.HTTP_BAD_REQUEST,
        `the system answered ${res.status} to a batch: ${text.slice(0, 300)}`,
      );
    }
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

function backoff(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** attempt);
}
