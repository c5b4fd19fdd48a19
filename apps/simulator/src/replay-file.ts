import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { guessDelimiter, splitCsvLine } from '@cityops/adapters';
import { UnsettledError, sendUntilSettled, type SettleAnswer } from '@cityops/ingest';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import { Resend, postBatch } from './http-post.js';

export type FileFormat = 'csv' | 'ndjson';

/**
 * The adapters a line file can be replayed through: their route under `/api/v1/ingest` and the
 * formats their receiver parses (the test checks the routes against `builtInAdapters`).
 */
export const FILE_ADAPTERS = {
  gps: { route: '/gps', formats: ['csv', 'ndjson'] },
  hotline: { route: '/hotline', formats: ['ndjson'] },
} as const satisfies Record<string, { route: string; formats: readonly FileFormat[] }>;

export type FileAdapter = keyof typeof FILE_ADAPTERS;

const CONTENT_TYPES: Record<FileFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson',
};

export interface FileReplayOptions {
  file: string;
  adapter: FileAdapter;
  /** csv or ndjson; from the file name when not given (.csv/.tsv/.txt → csv, .ndjson/.jsonl/.json → ndjson) */
  format?: FileFormat;
  /** base URL of a running gateway or ingest app, e.g. http://127.0.0.1:8080 */
  url: string;
  apiKey: string;
  /** data lines per POST (default 1000; the CSV header is sent again at the top of each) */
  batchSize?: number;
  /** how long a chunk's unsettled lines are sent again before the replay gives up (default 120 s) */
  deadlineMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

export interface FileReplaySummary {
  /** data lines sent (blank lines and the CSV header not counted) */
  lines: number;
  accepted: number;
  duplicates: number;
  rejected: Partial<Record<string, number>>;
  batches: number;
  retries: number;
  seconds: number;
}

/** The format a file name says, or undefined. */
export function formatOfFile(file: string): FileFormat | undefined {
  if (/\.(csv|tsv|txt)$/i.test(file)) return 'csv';
  if (/\.(ndjson|jsonl|json)$/i.test(file)) return 'ndjson';
  return undefined;
}

/** Codes an adapter answers for an item it did not settle (send it again), as opposed to a rejection. */
const RETRY_CODES = new Set<string>([
  ErrorCodes.EVT_IN_FLIGHT,
  ErrorCodes.BUS_UNAVAILABLE,
  ErrorCodes.STORE_UNAVAILABLE,
]);

interface AdapterAnswer {
  accepted: number;
  duplicates: number;
  errors?: Array<{ index?: number; code: string }>;
}

/**
 * Replays an NDJSON or CSV file through an adapter's HTTP route (`POST /api/v1/ingest/<route>`,
 * `X-API-Key`), streaming it: chunks of `batchSize` whole lines (the CSV header repeated at the top
 * of each), one chunk in flight at a time, so memory stays flat whatever the file's size. Times are
 * sent as the file has them (ingest rejects stale or future ones, counted by code). Each chunk is
 * settled as `replayScenario` settles a batch: lines answered "retry" (E_EVT_IN_FLIGHT, or the
 * bus/store still down after the host's own retries), and whole chunks answered 503 or cut off by a
 * connection error, are sent again with backoff for at most `deadlineMs`; then the replay throws
 * naming how many are left. A resend of lines that did get through is answered duplicate (the
 * adapters' ids are stable), so nothing is counted twice. 401/403, 400 and 413 stop the replay.
 */
export async function replayFile(o: FileReplayOptions): Promise<FileReplaySummary> {
  const now = o.now ?? Date.now;
  const wait = o.wait ?? sleep;
  const doFetch = o.fetch ?? fetch;
  const batchSize = o.batchSize ?? 1000;
  const spec = FILE_ADAPTERS[o.adapter];
  if (!spec) throw new CityopsError(ErrorCodes.CFG_INVALID, `--adapter: no file replay through ${String(o.adapter)}`);
  const format = o.format ?? formatOfFile(o.file);
  if (!format) {
    throw new CityopsError(ErrorCodes.CFG_INVALID, `--format: cannot tell csv from ndjson by the name ${o.file}`);
  }
  if (!(spec.formats as readonly string[]).includes(format)) {
    throw new CityopsError(
      ErrorCodes.CFG_INVALID,
      `--format: the ${o.adapter} adapter takes ${spec.formats.join(' or ')}, not ${format}`,
    );
  }
  const endpoint = new URL(`/api/v1/ingest${spec.route}`, o.url).toString();
  const summary: FileReplaySummary = {
    lines: 0,
    accepted: 0,
    duplicates: 0,
    rejected: {},
    batches: 0,
    retries: 0,
    seconds: 0,
  };
  const wall0 = now();
  let header: string | undefined;
  let delimiter = ',';
  let columns = 0;

  /**
   * Whether the adapter's parser makes an input of this line (its answer's retry indexes count
   * inputs only: a line that does not parse is a rejection, not an input).
   */
  const isInput = (line: string): boolean => {
    if (format === 'csv') return splitCsvLine(line, delimiter)?.length === columns;
    try {
      JSON.parse(line);
      return true;
    } catch {
      return false;
    }
  };

  const send = async (lines: string[]): Promise<SettleAnswer> => {
    const body = format === 'csv' ? `${header}\n${lines.join('\n')}\n` : `${lines.join('\n')}\n`;
    const { status, text } = await postBatch(doFetch, endpoint, CONTENT_TYPES[format], o.apiKey, body);
    if (status === 202 || status === 200) {
      const answer = JSON.parse(text) as AdapterAnswer;
      const errors = answer.errors ?? [];
      const inputs: number[] = [];
      lines.forEach((l, i) => isInput(l) && inputs.push(i));
      return {
        accepted: answer.accepted,
        duplicates: answer.duplicates,
        rejected: errors.filter((e) => !RETRY_CODES.has(e.code)),
        retry: errors
          .filter((e) => RETRY_CODES.has(e.code))
          .map((e) => {
            const line = e.index === undefined ? undefined : inputs[e.index];
            if (line === undefined) throw new Error(`the adapter answered ${e.code} for an input it did not name`);
            return line;
          }),
      };
    }
    if (status === 401 || status === 403) {
      throw new CityopsError(
        status === 401 ? ErrorCodes.HTTP_UNAUTHORIZED : ErrorCodes.HTTP_FORBIDDEN_SOURCE,
        `the system refused the API key for the ${o.adapter} adapter (${status}): pass a key of its INGEST_API_KEYS that may send as this source, with --api-key`,
      );
    }
    if (status === 413) {
      throw new CityopsError(
        ErrorCodes.HTTP_BODY_TOO_LARGE,
        `a chunk of ${lines.length} lines is too large for the system (413): use a smaller --batch`,
      );
    }
    throw new CityopsError(
      ErrorCodes.HTTP_BAD_REQUEST,
      `the system answered ${status} to a chunk: ${text.slice(0, 300)}`,
    );
  };

  const post = async (lines: string[]): Promise<void> => {
    const totals = await sendUntilSettled(lines, send, {
      deadlineMs: o.deadlineMs ?? 120_000,
      retryable: (err) => err instanceof Resend,
      now,
      wait,
    }).catch((err: unknown) => {
      if (!(err instanceof UnsettledError)) throw err;
      throw new CityopsError(
        err.code,
        `file replay stopped: ${err.message}; ${summary.accepted + err.totals.accepted} accepted before, ${summary.lines - lines.length} lines sent before this chunk`,
        err.details,
      );
    });
    summary.accepted += totals.accepted;
    summary.duplicates += totals.duplicates;
    for (const e of totals.rejected) summary.rejected[e.code] = (summary.rejected[e.code] ?? 0) + 1;
    summary.retries += totals.resends;
    summary.batches++;
  };

  let chunk: string[] = [];
  const input = createReadStream(o.file, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const raw of reader) {
      const line = header === undefined && format === 'csv' ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      if (format === 'csv' && header === undefined) {
        header = line;
        delimiter = guessDelimiter(line);
        columns = splitCsvLine(line, delimiter)?.length ?? 0;
        continue;
      }
      chunk.push(line);
      summary.lines++;
      if (chunk.length >= batchSize) {
        const lines = chunk;
        chunk = [];
        await post(lines);
      }
    }
    if (chunk.length > 0) await post(chunk);
  } finally {
    reader.close();
    input.destroy();
  }
  summary.seconds = (now() - wall0) / 1000;
  return summary;
}
