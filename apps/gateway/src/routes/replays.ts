import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { requireRole } from '@cityops/identity';
import { ErrorCodes, isCityopsError } from '@cityops/schema';
import { DOORS } from '../doors.js';
import { MAX_SPEED, MIN_SPEED, type Replays } from '../replay/replays.js';

/** a time: an ISO 8601 date-time with its offset, or epoch ms */
const Time = z.union([
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z.number().int().min(0).max(8_640_000_000_000_000),
]);
/** event-time ms per wall ms, or "max": as fast as it reads */
const Speed = z.union([z.literal('max').transform(() => Infinity), z.number().min(MIN_SPEED).max(MAX_SPEED)]);

export const CreateReplay = z.object({ from: Time, to: Time, speed: Speed.default(60) }).strict();
export const SeekReplay = z.object({ at: Time, speed: Speed.optional() }).strict();
const ReplayId = z.string().regex(/^[0-9a-f]{12}$/, 'a replay id is 12 hex digits');

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ code, message });
}

function reason(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * The replays API (复盘, issue 12 part 4). Starting, seeking and stopping need `DOORS.replaysControl`
 * (an officer; admin passes every door); reading a replay's state needs `DOORS.replaysWatch` (a wall
 * screen token too: screens are read-only). Bodies are zod-checked and bounded; errors carry
 * `E_HTTP_BAD_REQUEST`, `E_REPLAY_BAD_PERIOD` (400), `E_REPLAY_NOT_FOUND` (404) or
 * `E_REPLAY_TOO_MANY` (503 with Retry-After).
 */
export function replaysRoute(replays: Replays): Router {
  const router = express.Router();
  const json = express.json({ limit: 1024 });
  const control = requireRole(...DOORS.replaysControl);
  const watch = requireRole(...DOORS.replaysWatch);

  const answer = (res: Response, err: unknown) => {
    if (isCityopsError(err, ErrorCodes.REPLAY_NOT_FOUND)) return fail(res, 404, err.code, err.message);
    if (isCityopsError(err, ErrorCodes.REPLAY_BAD_PERIOD)) return fail(res, 400, err.code, err.message);
    if (isCityopsError(err, ErrorCodes.REPLAY_TOO_MANY)) {
      res.set('Retry-After', '30');
      return fail(res, 503, err.code, err.message);
    }
    if (isCityopsError(err)) return fail(res, 503, err.code, err.message);
    fail(res, 500, ErrorCodes.HTTP_BAD_REQUEST, 'internal error');
  };
  const idOf = (raw: unknown, res: Response): string | undefined => {
    const id = ReplayId.safeParse(raw);
    if (id.success) return id.data;
    fail(res, 404, ErrorCodes.REPLAY_NOT_FOUND, reason(id.error));
    return undefined;
  };

  router.post('/api/v1/replays', control, json, async (req, res) => {
    const body = CreateReplay.safeParse(req.body);
    if (!body.success) return fail(res, 400, ErrorCodes.HTTP_BAD_REQUEST, reason(body.error));
    try {
      const run = await replays.create(body.data);
      res.status(201).json(await run.status());
    } catch (err) {
      answer(res, err);
    }
  });

  router.get('/api/v1/replays/:id', watch, async (req, res) => {
    const id = idOf(req.params.id, res);
    if (!id) return;
    try {
      res.json(await replays.status(id));
    } catch (err) {
      answer(res, err);
    }
  });

  router.post('/api/v1/replays/:id/seek', control, json, async (req, res) => {
    const id = idOf(req.params.id, res);
    if (!id) return;
    const body = SeekReplay.safeParse(req.body);
    if (!body.success) return fail(res, 400, ErrorCodes.HTTP_BAD_REQUEST, reason(body.error));
    try {
      const run = await replays.seek(id, body.data.at, body.data.speed);
      res.json(await run.status());
    } catch (err) {
      answer(res, err);
    }
  });

  router.delete('/api/v1/replays/:id', control, async (req, res) => {
    const id = idOf(req.params.id, res);
    if (!id) return;
    try {
      await replays.delete(id);
      res.status(204).end();
    } catch (err) {
      answer(res, err);
    }
  });

  return router;
}
