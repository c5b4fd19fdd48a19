import express, { type Router } from 'express';
import type { Server as IoServer } from 'socket.io';
import { METRICS_CONTENT_TYPE, metricsText, trackScreens } from '@cityops/metrics';

/**
 * `GET /metrics`: this process's registry in the Prometheus text format, including
 * `cityops_screens_connected` for this gateway's socket.io screens (untracked when its HTTP
 * server closes). No API key: Prometheus scrapes without one, and no label holds a secret;
 * it is for the operators' network, not for the public internet.
 */
export function metricsRoute(io: IoServer): Router {
  const untrack = trackScreens(() => io.engine.clientsCount);
  io.httpServer.once('close', untrack);
  const router = express.Router();
  router.get('/metrics', (_req, res, next) => {
    metricsText().then((text) => {
      // set directly: res.send would reorder the content type's parameters
      res.status(200).setHeader('Content-Type', METRICS_CONTENT_TYPE);
      res.end(text);
    }, next);
  });
  return router;
}
