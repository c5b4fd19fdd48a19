import express, { type Router } from 'express';
import { ErrorCodes, deadLetter, isCityopsError, Topics, type ErrorCode } from '@cityops/schema';
import { parseBody, type IngestItem, type Ingestor, type SourceKey } from '@cityops/ingest';
import type { Bus } from '@cityops/bus';
import { forbidSources, requireApiKey } from './api-key.js';

/** Seconds a source should wait before it sends again after a 503 (the Retry-After header). */
const RETRY_AFTER_S = 1;

export interface EventsRouteOptions {
  ingestor: Ingestor;
  bus: Bus;
  /** INGEST_API_KEYS: each key with the sources it may send as (a plain string: any source) */
  apiKeys: ReadonlyArray<string | SourceKey>;
  maxBodyBytes: number;
  /** more events in one body is answered 413 E_HTTP_TOO_MANY_ITEMS, nothing accepted */
  maxItems: number;
}

/**
 * `POST /api/v1/events`: canonical events as a JSON array, one JSON object, or NDJSON
 * (`Content-Type: application/x-ndjson`). Needs an API key (`X-API-Key` or `Authorization:
 * Bearer`) from INGEST_API_KEYS; a key that names its sources (`key:sim.logistics`) gets 403
 * `E_HTTP_FORBIDDEN_SOURCE` for a body holding an event of any other source, and nothing of it is
 * accepted (not dead-lettered either: it is a refused credential, not bad input). Answers 202 `{ accepted, duplicates, rejected, retry, errors[] }`
 * (`retry`: events not settled yet, code E_EVT_IN_FLIGHT: their id is being ingested elsewhere, or
 * this publish failed or timed out after they may have been sent; send them again); every rejected
 * event is on `city.dlq.v1` with its reason code. A body that is not JSON at all is dead-lettered
 * whole and answered 400; a body over MAX_BODY_BYTES gets 413. When the store (Redis) or the bus
 * fails the answer is 503 with `E_STORE_UNAVAILABLE` or `E_BUS_UNAVAILABLE` and `Retry-After`:
 * nothing of the request was accepted, send it all again.
 */
export function eventsRoute(opts: EventsRouteOptions): Router {
  const router = express.Router();

  router.post(
    '/api/v1/events',
    requireApiKey(opts.apiKeys),
    express.text({ type: () => true, limit: opts.maxBodyBytes }),
    async (req, res, next) => {
      try {
        const text = typeof req.body === 'string' ? req.body : '';
        const parsed = parseBody(text, req.get('content-type') ?? 'application/json', opts.maxItems);
        if ('error' in parsed && parsed.code === ErrorCodes.HTTP_TOO_MANY_ITEMS) {
          res.status(413).json({ code: parsed.code, message: parsed.error, accepted: 0, rejected: 0 });
          return;
        }
        if ('error' in parsed) {
          await opts.bus.publish(Topics.dlq, [
            { key: 'http', value: JSON.stringify(deadLetter(ErrorCodes.EVT_NOT_JSON, parsed.error, 'http', text)) },
          ]);
          res.status(400).json({ code: ErrorCodes.EVT_NOT_JSON, message: parsed.error, accepted: 0, rejected: 1 });
          return;
        }
        // a key that names its sources may send as those only: any other source in the body → 403, nothing accepted
        if (forbidSources(res, sourcesOf(parsed.items))) return;
        const result = await opts.ingestor.ingest(parsed.items, 'http');
        res.status(202).json({
          accepted: result.accepted,
          duplicates: result.duplicates,
          rejected: result.rejected.length,
          retry: result.retry.length,
          errors: [...result.rejected, ...result.retry],
        });
      } catch (err) {
        const code = unavailable(err);
        if (code === undefined) return next(err);
        const what = code === ErrorCodes.STORE_UNAVAILABLE ? 'the dedupe store' : 'the event bus';
        res
          .status(503)
          .set('Retry-After', String(RETRY_AFTER_S))
          .json({ code, message: `${what} is unavailable; nothing was accepted, send it again later` });
      }
    },
  );
  return router;
}

/** The `source` of every item that has one as a string (the rest are the ingestor's to reject). */
function sourcesOf(items: IngestItem[]): Set<string> {
  const out = new Set<string>();
  for (const item of items) {
    if (!item.ok || typeof item.value !== 'object' || item.value === null) continue;
    const source = (item.value as { source?: unknown }).source;
    if (typeof source === 'string') out.add(source);
  }
  return out;
}

/** The 503 code for a port that failed, or undefined for anything else (a bug: 500). */
function unavailable(err: unknown): ErrorCode | undefined {
  if (isCityopsError(err, 'E_STORE_UNAVAILABLE')) return ErrorCodes.STORE_UNAVAILABLE;
  if (isCityopsError(err, 'E_BUS_UNAVAILABLE') || isCityopsError(err, 'E_BUS_CLOSED'))
    return ErrorCodes.BUS_UNAVAILABLE;
  return undefined;
}
