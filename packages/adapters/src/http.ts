import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { parseBody } from '@cityops/ingest';
import { ErrorCodes, Topics, capReason, deadLetter, isCityopsError, type ErrorCode } from '@cityops/schema';
import type { Bus } from '@cityops/bus';
import { HostFullError, type AdapterHost } from './host.js';
import type { Adapter, HttpReceiver, ParseOutcome, ReceiverAnswer, ReceiverRequest, SubmitOutcome } from './types.js';

/** Seconds a sender waits before it sends again after a 503. */
export const RETRY_AFTER_S = 1;

/** The answer of a credential check; `credential` is the body's (parse) or else X-API-Key / Bearer. */
export type Authorize = (a: {
  adapter: string;
  source: string;
  credential?: string;
  headers: Record<string, string>;
}) => { ok: true } | { ok: false; status: 401 | 403; code: ErrorCode; message: string };

export interface HttpRouterOptions {
  /** largest body accepted (default 1 MiB); more is 413 E_HTTP_BODY_TOO_LARGE */
  maxBodyBytes?: number;
  /** most items in one body with the default parser (default 5,000); more is 413 E_HTTP_TOO_MANY_ITEMS */
  maxItems?: number;
  /** checks the sender's credential for the adapter's source; without it every route is open */
  authorize?: Authorize;
}

/** The default parse: a JSON value (an array is one input per element) or NDJSON by content type. */
export function parseJsonBody(req: ReceiverRequest, maxItems = 5_000): ParseOutcome {
  const parsed = parseBody(req.body.toString('utf8'), req.contentType || 'application/json', maxItems);
  if ('error' in parsed) return { ok: false, code: parsed.code, reason: parsed.error };
  const inputs: unknown[] = [];
  const bad: NonNullable<Extract<ParseOutcome, { ok: true }>['bad']> = [];
  parsed.items.forEach((item, index) => {
    if (item.ok) inputs.push(item.value);
    else bad.push({ index, raw: item.raw, code: ErrorCodes.EVT_NOT_JSON, reason: item.reason });
  });
  return { ok: true, inputs, bad };
}

/** Our own answer: 202 with the counts and every rejection, as `POST /api/v1/events` answers. */
export function defaultAnswer(outcome: SubmitOutcome): ReceiverAnswer {
  const total = outcome.accepted + outcome.duplicates + outcome.rejected.length;
  if (total === 0 && outcome.retry.length > 0 && outcome.retry.every((r) => unavailableCode(r.code))) {
    return {
      status: 503,
      headers: { 'Retry-After': String(RETRY_AFTER_S) },
      body: {
        code: outcome.retry[0]!.code,
        message: 'the event bus or store is unavailable; nothing was accepted, send it again later',
      },
    };
  }
  return {
    status: 202,
    body: {
      accepted: outcome.accepted,
      duplicates: outcome.duplicates,
      rejected: outcome.rejected.length,
      retry: outcome.retry.length,
      errors: [...outcome.rejected, ...outcome.retry],
    },
  };
}

function unavailableCode(code: string): boolean {
  return code === ErrorCodes.BUS_UNAVAILABLE || code === ErrorCodes.STORE_UNAVAILABLE;
}

function flat(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}

function headerCredential(h: Record<string, string>): string | undefined {
  if (h['x-api-key']) return h['x-api-key'];
  const m = /^Bearer\s+(.+)$/i.exec(h['authorization'] ?? '');
  return m?.[1];
}

function send(res: Response, a: ReceiverAnswer): void {
  res.status(a.status);
  for (const [k, v] of Object.entries(a.headers ?? {})) res.set(k, v);
  if (a.body === undefined) res.end();
  else if (typeof a.body === 'string' || Buffer.isBuffer(a.body)) res.send(a.body);
  else res.json(a.body);
}

/**
 * Every HTTP receiver of every adapter in `host`, at its path (mount the router under
 * `/api/v1/ingest`). Bounded bodies, 503 + Retry-After when the host is full or a port is down,
 * credentials checked, a body that does not parse dead-lettered whole and answered in the protocol's way.
 */
export function adapterRouter(host: AdapterHost, bus: Bus, o: HttpRouterOptions = {}): Router {
  const router = express.Router();
  const limit = o.maxBodyBytes ?? 1024 * 1024;
  for (const { adapter, ctx } of host.adapters()) {
    for (const receiver of adapter.http ?? []) {
      const handler = async (req: Request, res: Response, next: NextFunction) => {
        const rq: ReceiverRequest = {
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          contentType: req.get('content-type') ?? '',
          query: flat(req.query as Record<string, unknown>),
          headers: flat(req.headers as Record<string, unknown>),
        };
        try {
          if (receiver.serve) return send(res, receiver.serve(ctx, rq.query));
          if (host.queuedEvents() >= host.maxQueued) throw new HostFullError(host.queuedEvents(), host.maxQueued);
          const parsed = safeParse(adapter, receiver, rq, o.maxItems);
          const denied = o.authorize?.({
            adapter: adapter.name,
            source: adapter.source,
            credential: (parsed.ok ? parsed.credential : undefined) ?? headerCredential(rq.headers),
            headers: rq.headers,
          });
          if (denied && !denied.ok) {
            const error = { code: denied.code, reason: denied.message, status: denied.status };
            const a = receiver.answer?.(undefined, rq, error);
            return send(
              res,
              a
                ? { ...a, status: denied.status }
                : { status: denied.status, body: { code: denied.code, message: denied.message } },
            );
          }
          const kept = receiver.redact ? receiver.redact(rq) : rq.body;
          if (!parsed.ok) {
            if (parsed.code === ErrorCodes.HTTP_TOO_MANY_ITEMS) {
              return send(res, { status: 413, body: { code: parsed.code, message: parsed.reason } });
            }
            const dl = deadLetter(parsed.code, parsed.reason, adapter.name, kept.toString('utf8'));
            await bus.publish(Topics.dlq, [{ key: adapter.name, value: JSON.stringify(dl) }]);
            host.countParseFailure(adapter.name, parsed.code, parsed.reason);
            const error = { code: parsed.code, reason: capReason(parsed.reason) };
            return send(
              res,
              receiver.answer?.(undefined, rq, error) ?? {
                status: 400,
                body: { code: error.code, message: error.reason },
              },
            );
          }
          const outcome = await host.submit(adapter.name, kept, parsed.inputs, {
            mode: 'reject',
            bad: parsed.bad,
            deadlineMs: host.httpRetryDeadlineMs,
          });
          return send(res, receiver.answer?.(outcome, rq) ?? defaultAnswer(outcome));
        } catch (err) {
          if (
            err instanceof HostFullError ||
            isCityopsError(err, ErrorCodes.BUS_UNAVAILABLE) ||
            isCityopsError(err, ErrorCodes.STORE_UNAVAILABLE)
          ) {
            return send(res, {
              status: 503,
              headers: { 'Retry-After': String(RETRY_AFTER_S) },
              body: { code: (err as { code: ErrorCode }).code, message: (err as Error).message },
            });
          }
          return next(err);
        }
      };
      const body = express.raw({ type: () => true, limit });
      if (receiver.method === 'GET') router.get(receiver.path, handler);
      else router.post(receiver.path, body, handler);
    }
  }
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err as { type?: string; status?: number };
    if (e?.type === 'entity.too.large') {
      return send(res, {
        status: 413,
        body: { code: ErrorCodes.HTTP_BODY_TOO_LARGE, message: `the body is larger than ${limit} bytes` },
      });
    }
    if (e?.status && e.status >= 400 && e.status < 500) {
      return send(res, {
        status: e.status,
        body: { code: ErrorCodes.HTTP_BAD_REQUEST, message: String((err as Error).message) },
      });
    }
    next(err);
  });
  return router;
}

/** A parser that throws is a bug in the adapter: the body is rejected as not parsed, never a crash. */
function safeParse(adapter: Adapter<unknown>, r: HttpReceiver, rq: ReceiverRequest, maxItems?: number): ParseOutcome {
  try {
    return r.parse ? r.parse(rq) : parseJsonBody(rq, maxItems);
  } catch (err) {
    return {
      ok: false,
      code: ErrorCodes.ADP_MAP_FAILED,
      reason: `${adapter.name}: parse() threw: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
