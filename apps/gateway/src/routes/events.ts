import express, { type Router } from 'express';
import { ErrorCodes, deadLetter, isCityopsError, Topics } from '@cityops/schema';
import { parseBody, type Ingestor } from '@cityops/ingest';
import type { Bus } from '@cityops/bus';
import { requireApiKey } from './api-key.js';

export interface EventsRouteOptions {
  ingestor: Ingestor;
  bus: Bus;
  apiKeys: string[];
  maxBodyBytes: number;
}

/**
 * `POST /api/v1/events`: canonical events as a JSON array, one JSON object, or NDJSON
 * (`Content-Type: application/x-ndjson`). Needs an API key (`X-API-Key` or `Authorization:
 * Bearer`) from INGEST_API_KEYS. Answers 202 `{ accepted, duplicates, rejected, retry, errors[] }`
 * (`retry`: events whose id is being ingested elsewhere right now, code E_EVT_IN_FLIGHT: send again);
 * every rejected event is on `city.dlq.v1` with its reason code. A body that is not JSON at all
 * is dead-lettered whole and answered 400; a body over MAX_BODY_BYTES gets 413.
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
        const parsed = parseBody(text, req.get('content-type') ?? 'application/json');
        if ('error' in parsed) {
          await opts.bus.publish(Topics.dlq, [
            { key: 'http', value: JSON.stringify(deadLetter(ErrorCodes.EVT_NOT_JSON, parsed.error, 'http', text)) },
          ]);
          res.status(400).json({ code: ErrorCodes.EVT_NOT_JSON, message: parsed.error, accepted: 0, rejected: 1 });
          return;
        }
        const result = await opts.ingestor.ingest(parsed.items, 'http');
        res.status(202).json({
          accepted: result.accepted,
          duplicates: result.duplicates,
          rejected: result.rejected.length,
          retry: result.retry.length,
          errors: [...result.rejected, ...result.retry],
        });
      } catch (err) {
        if (isCityopsError(err, 'E_BUS_UNAVAILABLE')) {
          res
            .status(503)
            .json({ code: err.code, message: 'the event bus is unavailable; nothing was accepted, retry later' });
          return;
        }
        next(err);
      }
    },
  );
  return router;
}
