import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdapterHost } from '@cityops/adapters';
import type { Config } from '@cityops/config';
import { KeyRing, SilenceWatch, presentedKeys, sourceAuthorizer, type SourceRowWithSilence } from '@cityops/ingest';
import { METRICS_CONTENT_TYPE, metricsText } from '@cityops/metrics';
import { ErrorCodes } from '@cityops/schema';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

export interface IngestAppDeps {
  config: Config;
  host: AdapterHost;
  /** bus and store health for /healthz */
  ports: {
    bus: { kind: string; health(): Promise<{ ok: boolean }> };
    store: { kind: string; health(): Promise<{ ok: boolean }> };
  };
}

export interface IngestApp {
  readonly http: Server;
  /** listens on HOST:INGEST_PORT; resolves with the base URL */
  listen(): Promise<string>;
  close(): Promise<void>;
  /** every adapter's health with silence (what GET /api/v1/sources answers) */
  sources(): SourceRowWithSilence[];
}

/** The data team's credential: a key from DATA_API_KEYS or the ADMIN_API_KEY. */
export function requireDataKey(config: Pick<Config, 'DATA_API_KEYS' | 'ADMIN_API_KEY'>): RequestHandler {
  const ring = new KeyRing([...config.DATA_API_KEYS, ...(config.ADMIN_API_KEY ? [config.ADMIN_API_KEY] : [])]);
  return (req, res, next) => {
    if (ring.check(presentedKeys({ apiKey: req.get('x-api-key'), authorization: req.get('authorization') })))
      return next();
    res.status(401).json({
      code: ErrorCodes.HTTP_UNAUTHORIZED,
      message:
        'a data-team key from DATA_API_KEYS or the ADMIN_API_KEY is required (X-API-Key or Authorization: Bearer)',
    });
  };
}

/**
 * The ingest process's HTTP side: every adapter's receivers under `/api/v1/ingest` (credentials
 * per source from INGEST_API_KEYS), `GET /api/v1/sources` (data key) with each adapter's health,
 * `GET /healthz` and `GET /metrics` as the other apps have them.
 */
export function createIngestApp(deps: IngestAppDeps): IngestApp {
  const { config, host } = deps;
  const watch = new SilenceWatch();
  const sources = () => watch.sample(host.health());
  // sampled every second, so the usual intervals are learnt whether or not anyone asks
  let timer: NodeJS.Timeout | undefined;
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/api/v1/ingest',
    host.httpRouter({
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxItems: config.MAX_ITEMS_PER_REQUEST,
      authorize: sourceAuthorizer(config.INGEST_API_KEYS),
    }),
  );
  app.get('/api/v1/sources', requireDataKey(config), (_req, res) => {
    res.json({ at: new Date().toISOString(), sources: sources() });
  });
  app.get('/healthz', async (_req, res) => {
    const [bus, store] = await Promise.all([deps.ports.bus.health(), deps.ports.store.health()]);
    const rows = sources();
    const down = !bus.ok || !store.ok;
    const degraded = rows.some((r) => r.connection === 'disconnected' || r.silent);
    res.status(down ? 503 : 200).json({
      status: down ? 'down' : degraded ? 'degraded' : 'ok',
      mode: config.mode,
      components: {
        bus: { kind: deps.ports.bus.kind, ...bus },
        store: { kind: deps.ports.store.kind, ...store },
        // codes and counts only: error texts may quote what a source sent, they stay behind the data key
        adapters: rows.map((r) => ({
          name: r.name,
          connection: r.connection,
          accepted: r.accepted,
          rejected: r.rejected,
          silent: r.silent,
          lastErrorCode: r.lastError?.code ?? null,
          queued: r.queued,
        })),
      },
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(METRICS_CONTENT_TYPE).send(await metricsText());
  });
  app.use('/api', (_req, res) =>
    res.status(404).json({ code: ErrorCodes.HTTP_BAD_REQUEST, message: 'no such endpoint' }),
  );
  app.use(errorHandler);
  const http = createServer(
    {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    app,
  );
  return {
    http,
    sources,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.INGEST_PORT, config.HOST, () => resolve());
      });
      timer = setInterval(() => void sources(), 1000);
      timer.unref();
      const { port } = http.address() as AddressInfo;
      const h = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
      return `http://${h}:${port}`;
    },
    async close() {
      if (timer) clearInterval(timer);
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const errorHandler: ErrorRequestHandler = (
  err: { type?: string; status?: number; message?: string },
  _req,
  res,
  _next,
) => {
  if (err.type === 'entity.too.large') {
    res.status(413).json({ code: ErrorCodes.HTTP_BODY_TOO_LARGE, message: 'the body is larger than MAX_BODY_BYTES' });
    return;
  }
  const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
  res.status(status).json({
    code: ErrorCodes.HTTP_BAD_REQUEST,
    message: status === 500 ? 'internal error' : (err.message ?? 'bad request'),
  });
};
