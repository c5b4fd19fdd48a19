import { z } from 'zod';
import { ErrorCodes, type ErrorCode } from '@cityops/schema';
import { RETRY_AFTER_S } from '../http.js';
import { defineAdapter, type HttpReceiver, type Mapped, type ParseOutcome, type ReceiverRequest } from '../types.js';
import {
  geoReportError,
  mapPosted,
  mapRemote,
  MAX_DESCRIPTION,
  OPEN311_SOURCE,
  postedRequestId,
  services,
  type Open311Input,
  type PostedRequest,
} from './georeport.js';
import { open311ServersFromEnv, serverSchema, startPolling, type PollOptions } from './poller.js';

export type Open311Options = PollOptions;

/** the `service_notice` answered for a request we accept */
export const SERVICE_NOTICE = 'Received by the city operations center; it is routed to the responsible department.';

const options = z
  .object({
    // without servers in the options, OPEN311_SERVERS is read (and a bad one stops start-up, E_CFG_INVALID)
    servers: z.array(serverSchema).default(() => open311ServersFromEnv(process.env)),
    pollIntervalMs: z.number().int().min(50).default(60_000),
    maxBackoffMs: z.number().int().min(50).default(300_000),
    lookbackDays: z.number().int().min(1).max(90).default(7),
    maxResponseBytes: z
      .number()
      .int()
      .min(1_024)
      .default(10 * 1024 * 1024),
  })
  .strict() as unknown as z.ZodType<Open311Options>;

const MAX_FIELDS = 64;
const MAX_FIELD_CHARS = 4_000;

function fieldsOf(req: ReceiverRequest): { ok: true; pairs: [string, string][] } | { ok: false; reason: string } {
  const ct = req.contentType.split(';')[0]!.trim().toLowerCase();
  const text = req.body.toString('utf8');
  if (ct === '' || ct === 'application/x-www-form-urlencoded')
    return { ok: true, pairs: [...new URLSearchParams(text)] };
  if (ct === 'application/json') {
    let b: unknown;
    try {
      b = JSON.parse(text);
    } catch (err) {
      return { ok: false, reason: `the body is not JSON: ${(err as Error).message}` };
    }
    if (typeof b !== 'object' || b === null || Array.isArray(b))
      return { ok: false, reason: 'the body must be a JSON object of request fields' };
    const pairs: [string, string][] = [];
    for (const [k, v] of Object.entries(b)) {
      if (k === 'attribute' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        for (const [ak, av] of Object.entries(v)) pairs.push([`attribute[${ak}]`, String(av)]);
      } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        pairs.push([k, String(v)]);
      } else if (v !== null) {
        return { ok: false, reason: `field ${k} must be a string or a number` };
      }
    }
    return { ok: true, pairs };
  }
  if (ct === 'multipart/form-data')
    return { ok: false, reason: 'multipart/form-data is not accepted here: send media_url' };
  return { ok: false, reason: `Content-Type ${ct} is not application/x-www-form-urlencoded or application/json` };
}

/** GeoReport's POST: form-encoded or JSON fields; `api_key` becomes the credential and leaves the input. */
function parsePost(req: ReceiverRequest): ParseOutcome {
  const f = fieldsOf(req);
  if (!f.ok) return { ok: false, code: ErrorCodes.ADP_PARSE, reason: f.reason };
  const posted = toPosted(f.pairs);
  const key = posted.apiKey ?? req.query.api_key;
  return { ok: true, inputs: [posted.input], ...(key ? { credential: key } : {}) };
}

function toPosted(pairs: [string, string][]): { input: PostedRequest; apiKey?: string } {
  const fields: Record<string, string> = {};
  const attributes: Record<string, string> = {};
  let apiKey: string | undefined;
  let invalid: { code: ErrorCode; reason: string } | undefined;
  for (const [k, v] of pairs) {
    if (k === 'api_key') {
      apiKey = v;
      continue;
    }
    if (v.length > MAX_FIELD_CHARS && !invalid) {
      invalid = {
        code: ErrorCodes.ADP_BAD_INPUT,
        reason: `${k.slice(0, 64)} is longer than ${MAX_FIELD_CHARS} characters`,
      };
    }
    const m = /^attribute\[(.{1,64})\]$/.exec(k);
    if (m) attributes[m[1]!] = v;
    else fields[k.slice(0, 64)] = v.slice(0, MAX_FIELD_CHARS);
  }
  if (Object.keys(fields).length + Object.keys(attributes).length > MAX_FIELDS) {
    invalid ??= { code: ErrorCodes.ADP_BAD_INPUT, reason: `more than ${MAX_FIELDS} fields` };
  }
  if (!fields.service_code || fields.service_code.length > 64) {
    invalid ??= { code: ErrorCodes.ADP_BAD_INPUT, reason: 'service_code was not provided' };
  }
  if ((fields.description?.length ?? 0) > MAX_DESCRIPTION) {
    invalid ??= { code: ErrorCodes.ADP_BAD_INPUT, reason: `description is longer than ${MAX_DESCRIPTION} characters` };
  }
  const input: PostedRequest = { open311: 'post', fields, attributes, ...(invalid ? { invalid } : {}) };
  return { input, ...(apiKey ? { apiKey } : {}) };
}

/** The body without its `api_key` value (form `api_key=…`, JSON `"api_key": "…"`), as dead letters keep it. */
function redactApiKey(req: ReceiverRequest): string {
  return req.body.toString('utf8').replace(/(["']?api_key["']?\s*[:=]\s*["']?)[^&"'\s,}]*/gi, '$1[redacted]');
}

const STATUS: Partial<Record<string, number>> = { [ErrorCodes.EVT_UNKNOWN_CATEGORY]: 404 };

const requestsAnswer: HttpReceiver['answer'] = (outcome, req, error) => {
  if (error || !outcome) return geoReportError(error?.status ?? 400, error?.reason ?? 'the request could not be read');
  if (outcome.retry.length > 0) {
    return {
      status: 503,
      headers: { 'Retry-After': String(RETRY_AFTER_S) },
      body: [{ code: 503, description: 'the request was not stored yet; send it again' }],
    };
  }
  const r = outcome.rejected[0];
  if (r) return geoReportError(STATUS[r.code] ?? 400, `${r.code}: ${r.reason}`);
  const f = fieldsOf(req);
  const id = f.ok ? postedRequestId(toPosted(f.pairs).input) : undefined;
  return { status: 200, body: [{ service_request_id: id, service_notice: SERVICE_NOTICE, account_id: null }] };
};

export const open311 = defineAdapter<Open311Options>({
  name: 'open311',
  description:
    'Open311 GeoReport v2: requests POSTed by a 311 system, services.json, and a poller of remote GeoReport servers',
  source: OPEN311_SOURCE,
  options,
  map(input, ctx): Mapped[] {
    const i = input as Open311Input;
    if (typeof i !== 'object' || i === null) {
      return [{ ok: false, code: ErrorCodes.ADP_BAD_INPUT, reason: 'an Open311 input must be an object' }];
    }
    if (i.open311 === 'post') return [mapPosted(i, ctx)];
    if (i.open311 === 'remote') return mapRemote(i, ctx);
    // a bare GeoReport request (file replay of a requests.json page)
    if ('service_request_id' in (i as object))
      return mapRemote({ open311: 'remote', server: 'replay', request: i as Record<string, unknown> }, ctx);
    return [{ ok: false, code: ErrorCodes.ADP_BAD_INPUT, reason: 'not an Open311 request' }];
  },
  http: [
    { method: 'POST', path: '/open311/requests.json', parse: parsePost, answer: requestsAnswer, redact: redactApiKey },
    { method: 'GET', path: '/open311/services.json', serve: () => ({ status: 200, body: services() }) },
  ],
  async start(io, o, ctx) {
    if (o.servers.length === 0) return async () => {};
    return startPolling(io, o, ctx);
  },
});

export { open311ServersFromEnv, type Open311Server } from './poller.js';
export { services as open311Services } from './georeport.js';
