import type { CityEventInput, ErrorCode } from '@cityops/schema';
import type { z } from 'zod';

/** What a mapping may ask of the city: its time zone, its category mapping, known devices, a clock. */
export interface MapContext {
  /** IANA time zone of the city pack (`Asia/Shanghai` for the default pack): for times without an offset */
  timeZone: string;
  /**
   * The taxonomy class for a source's own category code, from the pack's mapping file for this
   * adapter (`mappings/<adapter>.json`). An unmapped code gives the mapping's catch-all class with
   * `mapped: false`; the host lists it as unmapped in the adapter's health (never dropped).
   */
  category(sourceCode: string): { category: { kind: 'part' | 'event'; code: string }; mapped: boolean };
  /** where a device without its own location stands (device registry; may be empty) */
  devicePosition(deviceId: string): { lon: number; lat: number } | undefined;
  /** the host's clock (epoch ms) */
  now(): number;
}

/** One outcome of mapping an input: an envelope for ingest, or a rejection with its code. */
export type Mapped = { ok: true; event: CityEventInput } | { ok: false; code: ErrorCode; reason: string; id?: string };

/** A rejected item, as ingest and the host answer it: `index` is the input's place in the submit. */
export interface Rejection {
  index: number;
  id?: string;
  code: ErrorCode;
  reason: string;
}

/**
 * What one submit came to. `rejected` were dead-lettered; `retry` were not settled (their id is in
 * flight elsewhere, or the bus/store stayed unavailable past the host's retry deadline): neither
 * accepted nor dead-lettered, the source should send them again. `index` is the input's index.
 */
export interface SubmitOutcome {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
  retry: Rejection[];
}

/** An HTTP request as a receiver sees it: the body is raw bytes, bounded by the host. */
export interface ReceiverRequest {
  body: Buffer;
  contentType: string;
  query: Record<string, string>;
  /** lower-cased header names */
  headers: Record<string, string>;
}

/** One item of a body that did not parse on its own (a bad CSV or NDJSON line): dead-lettered, the rest go on. */
export interface BadItem {
  /** its place in the body as the parser counts (line number for line formats) */
  index: number;
  /** the item's text as received */
  raw: string;
  code: ErrorCode;
  reason: string;
}

export type ParseOutcome =
  | { ok: true; inputs: unknown[]; bad?: BadItem[]; credential?: string }
  | { ok: false; code: ErrorCode; reason: string };

/** The answer a receiver gives in its protocol's own shape. */
export interface ReceiverAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** One HTTP route of an adapter, mounted by the host under `/api/v1/ingest`. */
export interface HttpReceiver {
  method: 'GET' | 'POST';
  /** under /api/v1/ingest, e.g. '/ngsi/v2/notify' */
  path: string;
  /**
   * Turns the raw request into inputs for `map()`. Default: the body as JSON (an array is one
   * input per element), or NDJSON (one input per line) when the content type says so.
   * Body limits, 503 when the host is full, and dead-lettering a failed parse are the host's.
   */
  parse?(req: ReceiverRequest): ParseOutcome;
  /**
   * The protocol's own answer (GeoReport arrays, NGSI 204 ...). `outcome` is undefined when parse
   * failed (then `error` says why). Default: 202 with our JSON IngestResult, or 400 `{code, message}`.
   */
  answer?(
    outcome: SubmitOutcome | undefined,
    req: ReceiverRequest,
    error?: { code: ErrorCode; reason: string; status?: number },
  ): ReceiverAnswer;
  /**
   * The body as it may be kept in a dead letter, for protocols that carry a credential in the body
   * (Open311's `api_key`): the host dead-letters this text, never the body as received.
   */
  redact?(req: ReceiverRequest): string;
  /** GET routes that only serve data (Open311 services.json): no submit */
  serve?(ctx: MapContext, query: Record<string, string>): ReceiverAnswer;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** What the host gives a subscription or poller (`Adapter.start`). */
export interface AdapterIO {
  /**
   * Maps and ingests `inputs` (their raw bytes `raw` go into dead letters when an input is not
   * itself text). Waits while the host is full (back-pressure); retries unavailable ports with backoff.
   */
  submit(raw: Buffer | string, inputs: unknown[]): Promise<SubmitOutcome>;
  setConnection(state: ConnectionState, error?: string): void;
  /** a value that survives restarts (kept in the store), e.g. a poller's `updated_datetime` */
  cursor: { get(): Promise<string | undefined>; set(value: string): Promise<void> };
  log: { info(msg: string, o?: object): void; warn(msg: string, o?: object): void };
  /** aborted when the host stops */
  signal: AbortSignal;
}

export interface Adapter<O = unknown> {
  /** kebab-case, unique; names the mapping file, the metrics label and the dead letters' boundary */
  name: string;
  description: string;
  /** envelope `source` it sends as (credentials are checked against it); the host fills it when map() leaves it out */
  source: string;
  /** strict: unknown keys rejected with the key named */
  options: z.ZodType<O>;
  /** pure; one input → 0..n outcomes; may throw (the host turns a throw into E_ADP_MAP_FAILED) */
  map(input: unknown, ctx: MapContext, options: O): Mapped[];
  http?: HttpReceiver[];
  /** subscriptions and pollers: start receiving, return how to stop */
  start?(io: AdapterIO, options: O, ctx: MapContext): Promise<() => Promise<void>>;
}

/** Identity, with the types checked: `export default defineAdapter({...})`. */
export function defineAdapter<O>(a: Adapter<O>): Adapter<O> {
  return a;
}

/** One adapter's health, as `GET /api/v1/sources` shows it. */
export interface SourceHealth {
  name: string;
  source: string;
  /** accepted events per second over the last minute */
  eventsPerSecond: number;
  /** wall-clock time (ISO) of the last accepted event, or null */
  lastEventAt: string | null;
  /** the latest event time (ISO) among accepted events, or null */
  lastEventTime: string | null;
  accepted: number;
  duplicates: number;
  rejected: number;
  deadLettered: number;
  retry: number;
  /** source category codes seen without a mapping (accepted under the catch-all), with counts; at most 100 codes */
  unmapped: Record<string, number>;
  lastError: { code: string; reason: string; at: string } | null;
  /** 'http' for receivers only; a subscription's own state otherwise */
  connection: ConnectionState | 'http' | 'idle';
  /** events waiting in the host for this adapter */
  queued: number;
}
