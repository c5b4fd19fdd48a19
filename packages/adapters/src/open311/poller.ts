import { CityopsError, ErrorCodes } from '@cityops/schema';
import { z } from 'zod';
import type { AdapterIO, MapContext } from '../types.js';
import { parseSourceTime } from '../ngsi/time.js';
import type { RemoteRequest } from './georeport.js';

/** A remote GeoReport v2 server to poll. `url` is the endpoint base (`.../v2`); `requests.json` is appended. */
export interface Open311Server {
  name: string;
  url: string;
  jurisdictionId?: string;
  /** sent as `api_key` (GET requests need none by the spec; some servers want one). Never logged. */
  apiKey?: string;
  /**
   * `updated_after`: ask for requests updated after the cursor (an extension many servers have,
   * e.g. Chicago's and FixMyStreet's); `start_date`: only the spec's own window on requested_datetime
   * (the last `lookbackDays`), filtered by updated_datetime here.
   */
  mode: 'updated_after' | 'start_date';
}

export const serverSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'kebab-case, at most 32 characters'),
    url: z.url({ protocol: /^https?$/ }),
    jurisdictionId: z.string().min(1).max(128).optional(),
    apiKey: z.string().min(1).max(256).optional(),
    mode: z.enum(['updated_after', 'start_date']).default('updated_after'),
  })
  .strict();

const envEntry = z
  .object({
    name: z.string().optional(),
    url: z.string(),
    jurisdiction_id: z.string().optional(),
    api_key_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name')
      .optional(),
    mode: z.enum(['updated_after', 'start_date']).optional(),
  })
  .strict();

function safeUrl(u: string): string {
  try {
    const x = new URL(u);
    x.username = '';
    x.password = '';
    x.search = '';
    return x.toString();
  } catch {
    return '(not a URL)';
  }
}

function cfgError(msg: string): CityopsError {
  return new CityopsError(ErrorCodes.CFG_INVALID, `OPEN311_SERVERS: ${msg}`);
}

/**
 * `OPEN311_SERVERS` as a JSON list (`[{"url": ..., "name": ..., "jurisdiction_id": ...,
 * "api_key_env": "OPEN311_KEY_X", "mode": "updated_after"}]`) or a comma list of base URLs. A key
 * is read from the environment variable named by `api_key_env`, never written in the setting, and
 * no message ever shows one. A bad setting throws E_CFG_INVALID naming OPEN311_SERVERS and the entry.
 */
export function open311ServersFromEnv(env: Record<string, string | undefined>): Open311Server[] {
  const raw = (env.OPEN311_SERVERS ?? '').trim();
  if (raw === '') return [];
  let entries: unknown[];
  if (raw.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!Array.isArray(parsed)) throw new Error('not a list');
      entries = parsed;
    } catch (err) {
      throw cfgError(`not a JSON list of servers (${(err as Error).message.slice(0, 80)})`);
    }
  } else {
    entries = raw.split(',').map((url) => ({ url: url.trim() }));
  }
  const out: Open311Server[] = [];
  entries.forEach((e, i) => {
    if (typeof e === 'object' && e !== null && ('api_key' in e || 'apiKey' in e)) {
      throw cfgError(`entry ${i}: put the key in an environment variable and name it in "api_key_env"`);
    }
    const p = envEntry.safeParse(e);
    if (!p.success) {
      const iss = p.error.issues[0]!;
      throw cfgError(`entry ${i}: ${iss.path.join('.') || 'value'}: ${iss.message}`);
    }
    let host = 'server';
    try {
      host = new URL(p.data.url).hostname
        .replace(/[^a-z0-9]+/gi, '-')
        .toLowerCase()
        .slice(0, 32);
    } catch {
      throw cfgError(`entry ${i}: url ${safeUrl(p.data.url)} is not an http(s) URL`);
    }
    let apiKey: string | undefined;
    if (p.data.api_key_env !== undefined) {
      apiKey = env[p.data.api_key_env];
      if (apiKey === undefined || apiKey === '') {
        throw cfgError(`entry ${i}: api_key_env names ${p.data.api_key_env}, which is not set`);
      }
    }
    const s = serverSchema.safeParse({
      name: p.data.name ?? host.replace(/^-+|-+$/g, ''),
      url: p.data.url,
      ...(p.data.jurisdiction_id ? { jurisdictionId: p.data.jurisdiction_id } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(p.data.mode ? { mode: p.data.mode } : {}),
    });
    if (!s.success) {
      const iss = s.error.issues[0]!;
      const field = iss.path.join('.');
      throw cfgError(`entry ${i}: ${field}: ${field === 'apiKey' ? 'bad key' : iss.message} (${safeUrl(p.data.url)})`);
    }
    if (out.some((o) => o.name === s.data.name)) throw cfgError(`entry ${i}: name ${s.data.name} is used twice`);
    out.push(s.data);
  });
  return out;
}

export interface PollOptions {
  servers: Open311Server[];
  pollIntervalMs: number;
  maxBackoffMs: number;
  lookbackDays: number;
  /** largest response body read (bytes) */
  maxResponseBytes: number;
}

/** Per server: the latest updated_datetime seen (as the server wrote it, and in ms) and the ids at that instant. */
interface ServerCursor {
  t: string;
  ms: number;
  ids: string[];
}
type Cursor = Record<string, ServerCursor>;

function readCursor(v: string | undefined): Cursor {
  if (!v) return {};
  try {
    const c: unknown = JSON.parse(v);
    return typeof c === 'object' && c !== null ? (c as Cursor) : {};
  } catch {
    return {};
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function w3(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class UpstreamError extends CityopsError {
  constructor(server: string, msg: string) {
    super(ErrorCodes.ADP_UPSTREAM, `open311 server ${server}: ${msg}`);
  }
}

async function fetchPage(
  s: Open311Server,
  c: ServerCursor | undefined,
  o: PollOptions,
  now: number,
  signal: AbortSignal,
) {
  const u = new URL(`${s.url.replace(/\/+$/, '')}/requests.json`);
  if (s.jurisdictionId) u.searchParams.set('jurisdiction_id', s.jurisdictionId);
  if (s.mode === 'updated_after') {
    if (c) u.searchParams.set('updated_after', c.t);
  } else {
    u.searchParams.set('start_date', w3(now - o.lookbackDays * 86_400_000));
    u.searchParams.set('end_date', w3(now));
  }
  if (s.apiKey) u.searchParams.set('api_key', s.apiKey);
  let res: Response;
  try {
    res = await fetch(u, { signal, headers: { accept: 'application/json' } });
  } catch (err) {
    throw new UpstreamError(s.name, `no answer (${(err as Error).message})`);
  }
  if (!res.ok) {
    let detail = '';
    try {
      const b: unknown = await res.json();
      const d = Array.isArray(b) ? (b[0] as { description?: unknown } | undefined)?.description : undefined;
      if (typeof d === 'string') detail = `: ${d.slice(0, 200)}`;
    } catch {
      /* a non-GeoReport error body */
    }
    throw new UpstreamError(s.name, `HTTP ${res.status}${detail}`);
  }
  const text = await res.text();
  if (text.length > o.maxResponseBytes) throw new UpstreamError(s.name, `a response over ${o.maxResponseBytes} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UpstreamError(s.name, 'the response is not JSON');
  }
  if (!Array.isArray(body)) throw new UpstreamError(s.name, 'the response is not a GeoReport list of requests');
  return { body, raw: text };
}

/**
 * Polls every server until `io.signal` aborts: new and changed requests go to `io.submit` (which
 * waits when the host is full); the cursor moves only after a page is settled, so a crash or a
 * retry answer reads the same page again (its events dedupe). Errors back off exponentially.
 */
export function startPolling(io: AdapterIO, o: PollOptions, ctx: MapContext): () => Promise<void> {
  let writes: Promise<void> = Promise.resolve();
  const loops = o.servers.map(async (s) => {
    let failures = 0;
    io.setConnection('connecting');
    while (!io.signal.aborted) {
      try {
        const cursor = readCursor(await io.cursor.get());
        const c = cursor[s.name];
        const { body } = await fetchPage(s, c, o, ctx.now(), io.signal);
        const fresh: Record<string, unknown>[] = [];
        let top = c;
        for (const r of body) {
          if (typeof r !== 'object' || r === null) continue;
          const req = r as Record<string, unknown>;
          const upd = typeof req.updated_datetime === 'string' ? req.updated_datetime : undefined;
          const ms = upd !== undefined ? parseSourceTime(upd, ctx.timeZone) : undefined;
          const id = String(req.service_request_id);
          if (c && ms !== undefined && (ms < c.ms || (ms === c.ms && c.ids.includes(id)))) continue; // seen
          fresh.push(req);
          if (ms !== undefined && upd !== undefined) {
            if (!top || ms > top.ms) top = { t: upd, ms, ids: [id] };
            else if (ms === top.ms && !top.ids.includes(id)) top = { ...top, ids: [...top.ids, id] };
          }
        }
        if (fresh.length > 0) {
          const inputs: RemoteRequest[] = fresh.map((request) => ({
            open311: 'remote',
            server: s.name,
            ...(c ? { after: c.ms } : {}),
            request,
          }));
          const out = await io.submit(JSON.stringify(fresh), inputs);
          if (out.retry.length > 0)
            throw new UpstreamError(s.name, `${out.retry.length} events not settled; reading the page again`);
        }
        if (top && top !== c) {
          const next = top;
          writes = writes.then(async () => {
            const now = readCursor(await io.cursor.get());
            await io.cursor.set(JSON.stringify({ ...now, [s.name]: next }));
          });
          await writes;
        }
        failures = 0;
        io.setConnection('connected');
        await sleep(o.pollIntervalMs, io.signal);
      } catch (err) {
        if (io.signal.aborted) break;
        failures += 1;
        const msg = err instanceof Error ? err.message : String(err);
        io.setConnection('disconnected', msg);
        io.log.warn('open311 poll failed', { server: s.name, failures, error: msg });
        await sleep(Math.min(o.maxBackoffMs, o.pollIntervalMs * 2 ** (failures - 1)), io.signal);
      }
    }
  });
  return async () => {
    await Promise.allSettled(loops);
  };
}
