import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { Server as IoServer } from 'socket.io';
import { z } from 'zod';
import type { Bus } from '@cityops/bus';
import type { CityPack } from '@cityops/city';
import type { Config } from '@cityops/config';
import type { Ingestor } from '@cityops/ingest';
import { ErrorCodes, Topics } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { dashboardDir } from './dashboard-files.js';
import { DeadLetterTail } from './dead-letter-tail.js';
import { capConnectionsPerAddress, httpServerOptions } from './http-limits.js';
import {
  apiKeyIdentities,
  authenticate,
  authRoutes,
  hasRole,
  openIdentity,
  requireRole,
  socketAuth,
  stillValid,
  type IdentityService,
  type Role,
} from '@cityops/identity';
import { DOORS } from './doors.js';
import { sourceBook, sourcesRoute, type AdapterHealthProvider } from './routes/sources.js';
import { cityRoute } from './routes/city.js';
import { eventsRoute } from './routes/events.js';
import { metricsRoute } from './routes/metrics.js';
import { RESYNC_BURST, RESYNC_PER_SECOND, RESYNC_RATE_LIMITED, ScreenLimits } from './screen-limits.js';
import { VITALS_CHANNEL, VitalsChannel, themesSourceFor } from './vitals-channel.js';
import { ALERTS_CHANNEL, AlertsChannel } from './channels/alerts-channel.js';
import { SOURCES_CHANNEL, SourcesChannel, type SourceHealthProvider } from './channels/sources-channel.js';
import { CASES_CHANNEL, CasesChannel, type CaseSource } from './channels/cases-channel.js';
import { SourceTypes } from './channels/source-types.js';
import { consoleDir } from './console-files.js';
import { alertsRoute, READ_ROLES, type DeskIdentity, type DeskPort } from './routes/alerts.js';
import { hotlineRoute } from './routes/hotline.js';
import { aggregatorStage, themesStage } from '@cityops/aggregator';
import type { Stage } from '@cityops/stream';
import { Replays } from './replay/replays.js';
import { REPLAYS_ROOM, replayOfHandshake, replayRoom } from './replay/replay-sockets.js';
import { replaysRoute } from './routes/replays.js';

export interface GatewayDeps {
  config: Config;
  /** users, sessions and screen tokens (default `openIdentity(config)`: Redis with REDIS_URL, else USERS_FILE) */
  identity?: IdentityService;
  /** how often open sockets' sessions and screen tokens are checked again (default 30 s); a revoked one is dropped */
  socketRevalidateMs?: number;
  bus: Bus;
  store: Store;
  pack: CityPack;
  ingestor: Ingestor;
  /** extra component states for /healthz (e.g. the in-process aggregator in embedded mode) */
  components?: () => Record<string, unknown>;
  /** the adapters' health for the `sources` channel (e.g. `() => host.health()`); without it the panel says so */
  sourceHealth?: SourceHealthProvider;
  /** the alert desk (issue 10): `AlertDesk` in embedded mode, a store reader + command client otherwise */
  desk?: DeskPort & CaseSource;
  /** the desk's audit copy topic, which the `cases` channel tails (default the desk's) */
  deskAuditTopic?: string;
  /** who a request is (default `req.identity`, set by the identity middleware) */
  identityOf?: (req: express.Request) => DeskIdentity | undefined;
  /** the adapter host's receivers (`host.httpRouter(...)`), mounted under /api/v1/ingest (embedded mode) */
  ingestRouter?: express.Router;
  /** where the 接诉即办 KPI counters are read (default `store`; embedded mode: the aggregator's KPI stores) */
  hotlineStores?: { month: Store; rolling: Store };
  /** the stages a replay (复盘) runs for its group (default the aggregator's vital-signs and themes stages) */
  replayStages?: (group: string) => Stage[];
  /**
   * The bus replays read through (default `bus`). A paced replay holds a partition's batch until
   * its records are due, so on Kafka it needs a client that consumes every partition at once
   * (`partitionsConsumedConcurrently`); main.ts opens one.
   */
  replayBus?: Bus;
}

export interface Gateway {
  readonly http: HttpServer;
  readonly io: IoServer;
  /** the express app (its router stack is what the door test walks) */
  readonly app: express.Express;
  readonly identity: IdentityService;
  readonly vitals: VitalsChannel;
  readonly alerts: AlertsChannel;
  readonly sources: SourcesChannel;
  /** the alert desk's cases for consoles and walls (only with `deps.desk`) */
  readonly cases: CasesChannel | undefined;
  /** replays of past periods, each in its own namespace (POST /api/v1/replays; `?replay=<id>` on the wall) */
  readonly replays: Replays;
  /** listens on HOST:PORT and resolves with the URL screens open */
  listen(): Promise<string>;
  close(): Promise<void>;
}

const CHANNELS = [VITALS_CHANNEL, ALERTS_CHANNEL, SOURCES_CHANNEL, CASES_CHANNEL] as const;
const ResyncRequest = z.object({ channel: z.enum(CHANNELS) }).strict();
/** channels other than vitals are sent only to screens that ask for them (older screens never do) */
const SubscribeRequest = z
  .object({ channels: z.array(z.enum([ALERTS_CHANNEL, SOURCES_CHANNEL, CASES_CHANNEL])).max(3) })
  .strict();
const room = (channel: string) => `channel:${channel}`;

/**
 * The gateway: one HTTP port for screens and sources. Serves the dashboard, the read API,
 * event intake, and socket.io, where each screen gets `hello`, a `snapshot`, then ordered
 * `delta`s per channel (`vitals` for everyone; `alerts` and `sources` after `subscribe`).
 * Screens are read-only: all a socket may send is `subscribe`, `resync` and `time` (its clock check).
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const { config, bus, store, pack } = deps;
  const app = express();
  app.disable('x-powered-by');
  // identity at every door (decision 12): who the request is, then each route's role check
  const identity = deps.identity ?? openIdentity(config);
  const auth = { identity, apiKeys: apiKeyIdentities(config) };
  app.use(authenticate(auth));
  app.use(authRoutes(auth));
  const http = createServer(httpServerOptions(config), app);
  const connections = capConnectionsPerAddress(http, config.MAX_CONNECTIONS_PER_ADDRESS);
  const screens = new ScreenLimits({
    allowedOrigins: config.ALLOWED_ORIGINS,
    maxScreensPerAddress: config.MAX_SCREENS_PER_ADDRESS,
    maxBufferBytes: config.SCREEN_MAX_BUFFER_BYTES,
    servedPort: () => (http.address() as AddressInfo | null)?.port ?? config.PORT,
  });
  const io = new IoServer(http, {
    serveClient: false,
    maxHttpBufferSize: 16 * 1024,
    allowRequest: screens.allowRequest,
  });
  io.engine.on('connection', screens.onSession);
  // a screen token or a session in the handshake (auth.token, ?token= or the cookie), else connect_error
  io.use(socketAuth(auth, DOORS.socket));
  // a socket whose session or screen token was revoked, expired or lost its user is told so and dropped
  const revalidate = setInterval(() => {
    for (const socket of io.of('/').sockets.values())
      stillValid(auth, socket).then(
        (ok) => {
          if (ok || !socket.connected) return;
          socket.emit('error-message', {
            code: ErrorCodes.HTTP_UNAUTHORIZED,
            message: 'this session or screen token is no longer valid',
          });
          socket.disconnect(true);
        },
        () => undefined,
      );
  }, deps.socketRevalidateMs ?? 30_000);
  revalidate.unref();
  const channelRoles: Record<string, readonly Role[]> = {
    [ALERTS_CHANNEL]: DOORS.alertsChannel,
    [SOURCES_CHANNEL]: DOORS.sourcesChannel,
  };
  const mayRead = (socket: { data: { identity?: { roles: Role[] } } }, channel: string) => {
    const roles = channelRoles[channel];
    const who = socket.data.identity;
    return roles === undefined || (who !== undefined && hasRole(who, roles));
  };
  // the live vitals go to every screen but those watching a replay, which get their replay's
  const vitals = new VitalsChannel(
    store,
    config.AGGREGATOR_GROUP,
    io.except(REPLAYS_ROOM),
    config.DELTA_INTERVAL_MS,
    themesSourceFor(store, config.AGGREGATOR_GROUP, pack), // the vital signs by theme (issue 11)
  );
  const replays = new Replays({
    bus: deps.replayBus ?? bus,
    store,
    topic: Topics.events,
    // the vital signs and the themes (issue 11) in the replay's groups; the themes' vehicle
    // repartition (its vans stage) is not replayed: a replay publishes nothing
    stagesOf:
      deps.replayStages ??
      ((group) => [
        aggregatorStage(group, config.ALLOWED_LATENESS_MS, Topics.events, config.KNOWN_SOURCES),
        themesStage({ group, allowedLatenessMs: config.ALLOWED_LATENESS_MS, pack }),
      ]),
    themesOf: (group) => themesSourceFor(store, group, pack),
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    settings: {
      maxConcurrent: config.REPLAY_MAX_CONCURRENT,
      idleTimeoutMs: config.REPLAY_IDLE_TIMEOUT_MS,
      maxPeriodMs: config.REPLAY_MAX_PERIOD_MS,
    },
    emitterFor: (id) => io.to(replayRoom(id)),
    watchers: (id) => io.of('/').adapter.rooms.get(replayRoom(id))?.size ?? 0,
    intervalMs: config.DELTA_INTERVAL_MS,
  });
  const alerts = new AlertsChannel(bus, pack, io.to(room(ALERTS_CHANNEL)), { intervalMs: config.DELTA_INTERVAL_MS });
  // the adapters' health (deps.sourceHealth) and the canonical door's own counts, with silence
  const book = sourceBook(deps.ingestor, deps.sourceHealth as AdapterHealthProvider | undefined);
  // which event types each source sends (seen by this ingestor), so a wall can mark a type's figures silent
  const sourceTypes = new SourceTypes();
  const undoSourceTypes = sourceTypes.observe(deps.ingestor);
  const sources = new SourcesChannel(
    async () => sourceTypes.annotate((await book.rows()).sources),
    io.to(room(SOURCES_CHANNEL)),
  );
  const cases = deps.desk
    ? new CasesChannel(bus, deps.desk, pack, io.to(room(CASES_CHANNEL)), {
        auditTopic: deps.deskAuditTopic ?? 'cityops.alert-desk.audit.v1',
        intervalMs: config.DELTA_INTERVAL_MS,
      })
    : undefined;
  const identityOfReq = deps.identityOf ?? ((req: express.Request) => (req as { identity?: DeskIdentity }).identity);
  const snapshotOf = (channel: (typeof CHANNELS)[number]) =>
    channel === CASES_CHANNEL
      ? (cases?.snapshot() ?? null)
      : channel === VITALS_CHANNEL
        ? vitals.snapshot()
        : channel === ALERTS_CHANNEL
          ? alerts.snapshot()
          : sources.snapshot();

  app.get('/healthz', async (req, res) => {
    const [busHealth, storeHealth] = await Promise.all([bus.health(), store.health()]);
    const snap = vitals.snapshot()?.state;
    const updatedAt = snap?.updatedAt ? Date.parse(snap.updatedAt) : null;
    const fresh = updatedAt !== null && Date.now() - updatedAt <= config.STALE_AFTER_MS;
    const components: Record<string, unknown> = {
      bus: { kind: bus.kind, ...busHealth },
      store: { kind: store.kind, ...storeHealth },
      vitals: {
        state: updatedAt === null ? 'empty' : snap?.rebuilding ? 'rebuilding' : fresh ? 'fresh' : 'stale',
        updatedAt: snap?.updatedAt ?? null,
        // records gone from the log before the aggregator read them (counted, never hidden)
        lostRecords: snap?.dropped[ErrorCodes.STREAM_RECORDS_LOST] ?? 0,
        error: vitals.lastError,
      },
      ingest: deps.ingestor.stats,
      alerts: alerts.stats,
      // 复盘 replays running in this gateway, and those ended because nobody watched
      replays: { running: replays.size, max: config.REPLAY_MAX_CONCURRENT, expired: replays.expired },
      screens: { connected: io.engine.clientsCount, ...screens.counts },
      http: { refusedConnections: connections.refused },
      // login tries and how they ended (counts only: never a name or a token)
      logins: { ...identity.stats },
      ...deps.components?.(),
    };
    const down = !busHealth.ok || !storeHealth.ok;
    const status = down ? 'down' : fresh && !snap?.rebuilding ? 'ok' : 'degraded';
    // liveness for anyone; the components (counts, errors, topology) only with an identity
    const details = req.identity !== undefined && hasRole(req.identity, DOORS.healthDetails);
    res
      .status(down ? 503 : 200)
      .json(details ? { status, mode: config.mode, city: pack.meta.id, components } : { status, mode: config.mode });
  });

  app.get('/api/v1/snapshot', requireRole(...DOORS.snapshot), (_req, res) => {
    const snap = vitals.snapshot();
    if (!snap) {
      res.status(503).json({ code: ErrorCodes.STORE_UNAVAILABLE, message: 'no snapshot read yet' });
      return;
    }
    res.json(snap);
  });

  const deadLetters = new DeadLetterTail(bus);
  app.get('/api/v1/dead-letters', requireRole(...DOORS.deadLetters), (req, res) => {
    const limit = Math.min(500, Math.max(1, Number(req.query.limit) || 100));
    res.json({ deadLetters: deadLetters.recent(limit) });
  });

  app.use('/api/v1/city', requireRole(...DOORS.city));
  app.use(cityRoute(pack));
  // 接诉即办 KPIs and 红黑榜 (issue 11) from the aggregator's hotline counters
  app.use(
    hotlineRoute({
      pack,
      aggregatorGroup: config.AGGREGATOR_GROUP,
      stores: deps.hotlineStores ?? { month: store, rolling: store },
      minReceived: config.HOTLINE_MIN_RECEIVED,
      roles: DOORS.hotline,
    }),
  );
  if (deps.desk) {
    const desk = deps.desk;
    app.use(alertsRoute({ desk, pack, identityOf: identityOfReq, onAccepted: (id) => cases?.touch(id) }));
  }
  app.use(sourcesRoute(config, book));
  app.use(replaysRoute(replays));
  if (deps.ingestRouter) app.use('/api/v1/ingest', deps.ingestRouter);
  app.use('/metrics', requireRole(...DOORS.metrics));
  app.use(metricsRoute(io));
  app.use(
    eventsRoute({
      ingestor: deps.ingestor,
      bus,
      apiKeys: config.INGEST_API_KEYS,
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxItems: config.MAX_ITEMS_PER_REQUEST,
    }),
  );

  // the officer console (apps/console), a Vite build with base /console/
  const consoleDist = consoleDir();
  if (consoleDist) {
    app.use('/console', express.static(consoleDist, { index: 'index.html', maxAge: '1h', setHeaders: noCacheIndex }));
  } else {
    app.get('/console', (_req, res) => {
      res.type('text/plain').send('The console is not built. Run `npm run build` at the repository root.');
    });
  }
  const dist = dashboardDir();
  if (dist) {
    app.use(express.static(dist, { index: 'index.html', maxAge: '1h', setHeaders: noCacheIndex }));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('The dashboard is not built. Run `npm run build` at the repository root.');
    });
  }
  app.use('/api', (_req, res) =>
    res.status(404).json({ code: ErrorCodes.HTTP_BAD_REQUEST, message: 'no such endpoint' }),
  );
  app.use(errorHandler);

  io.on('connection', (socket) => {
    screens.guard(socket);
    socket.emit('hello', {
      mode: config.mode,
      city: { id: pack.meta.id, name: pack.meta.name, nameEn: pack.meta.nameEn },
      serverTime: new Date().toISOString(),
      channels: CHANNELS,
    });
    // a wall opened with ?replay=<id> watches that replay's vitals instead of the live ones
    const watching = replayOfHandshake(socket.handshake.auth);
    const replayId = watching && 'id' in watching && replays.has(watching.id) ? watching.id : null;
    if (watching && !replayId)
      socket.emit('error-message', {
        code: ErrorCodes.REPLAY_NOT_FOUND,
        message: 'no such replay (it ended or expired)',
      });
    if (watching) void socket.join(REPLAYS_ROOM);
    if (replayId) void socket.join(replayRoom(replayId));
    // (a screen asking for a replay that is not there gets no vitals at all, never the live ones)
    const vitalsOf = () =>
      watching ? (replayId && replays.has(replayId) ? replays.vitals(replayId).snapshot() : null) : vitals.snapshot();
    const snap = vitalsOf();
    if (snap) socket.emit('snapshot', snap);
    socket.on('subscribe', (payload: unknown) => {
      const req = SubscribeRequest.safeParse(payload);
      if (!req.success) {
        socket.emit('error-message', {
          code: ErrorCodes.HTTP_BAD_REQUEST,
          message: `subscribe expects { channels: [${[ALERTS_CHANNEL, SOURCES_CHANNEL].map((c) => `"${c}"`).join(', ')}] }`,
        });
        return;
      }
      if (!screens.mayResync(socket)) {
        socket.emit('error-message', { code: RESYNC_RATE_LIMITED, message: 'subscribe is limited like resync' });
        return;
      }
      if (watching) {
        socket.emit('error-message', {
          code: ErrorCodes.REPLAY_LIVE_ONLY,
          message: `a replay has its vitals only: ${req.data.channels.join(', ')} are live and not replayed`,
        });
        return;
      }
      const who = (socket.data as { identity?: DeskIdentity }).identity;
      const mayCases = !!who && (who.roles.includes('admin') || READ_ROLES.some((r) => who.roles.includes(r)));
      if (req.data.channels.includes(CASES_CHANNEL) && (!cases || !mayCases)) {
        socket.emit('error-message', {
          code: cases ? (who ? 'E_HTTP_FORBIDDEN' : ErrorCodes.HTTP_UNAUTHORIZED) : ErrorCodes.HTTP_BAD_REQUEST,
          message: cases ? `the cases channel needs one of the roles ${READ_ROLES.join(', ')}` : 'no alert desk here',
        });
        return;
      }
      const refused = req.data.channels.find((c) => !mayRead(socket, c));
      if (refused) {
        socket.emit('error-message', {
          code: ErrorCodes.HTTP_FORBIDDEN,
          message: `the ${refused} channel needs the role ${channelRoles[refused]!.join(' or ')}`,
        });
        return;
      }
      for (const channel of new Set(req.data.channels)) {
        void socket.join(room(channel));
        const snap = snapshotOf(channel);
        if (snap) socket.emit('snapshot', snap);
      }
    });
    // the wall's clock check (drift shown in its header): answers this server's clock, at most once a second
    let lastTimeAt = 0;
    socket.on('time', (...args: unknown[]) => {
      const ack = args.at(-1);
      const at = Date.now();
      if (typeof ack !== 'function' || at - lastTimeAt < 1_000) return;
      lastTimeAt = at;
      (ack as (reply: { serverTime: string }) => void)({ serverTime: new Date(at).toISOString() });
    });
    socket.on('resync', (payload: unknown) => {
      const req = ResyncRequest.safeParse(payload);
      if (!req.success) {
        socket.emit('error-message', {
          code: ErrorCodes.HTTP_BAD_REQUEST,
          message: `resync expects { channel: ${CHANNELS.map((c) => `"${c}"`).join(' | ')} }`,
        });
        return;
      }
      if (!screens.mayResync(socket)) {
        socket.emit('error-message', {
          code: RESYNC_RATE_LIMITED,
          message: `resync is limited to a burst of ${RESYNC_BURST}, then ${RESYNC_PER_SECOND} a second`,
        });
        return;
      }
      const asker = (socket.data as { identity?: DeskIdentity }).identity;
      if (
        req.data.channel === CASES_CHANNEL &&
        !(asker && (asker.roles.includes('admin') || READ_ROLES.some((r) => asker.roles.includes(r))))
      ) {
        socket.emit('error-message', { code: 'E_HTTP_FORBIDDEN', message: 'the cases channel needs a reading role' });
        return;
      }
      if (!mayRead(socket, req.data.channel)) {
        socket.emit('error-message', {
          code: ErrorCodes.HTTP_FORBIDDEN,
          message: `the ${req.data.channel} channel needs the role ${channelRoles[req.data.channel]!.join(' or ')}`,
        });
        return;
      }
      if (watching && req.data.channel !== VITALS_CHANNEL) {
        socket.emit('error-message', { code: ErrorCodes.REPLAY_LIVE_ONLY, message: 'a replay has its vitals only' });
        return;
      }
      const current = req.data.channel === VITALS_CHANNEL ? vitalsOf() : snapshotOf(req.data.channel);
      if (current) socket.emit('snapshot', current);
    });
  });

  return {
    http,
    io,
    app,
    identity,
    vitals,
    alerts,
    sources,
    cases,
    replays,
    async listen() {
      await vitals.start();
      await alerts.start();
      await sources.start();
      await cases?.start();
      await deadLetters.start();
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.PORT, config.HOST, () => resolve());
      });
      const { port } = http.address() as AddressInfo;
      const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
      return `http://${host}:${port}/`;
    },
    async close() {
      vitals.stop();
      await replays.close();
      sources.stop();
      await cases?.stop();
      undoSourceTypes();
      book.close();
      await alerts.stop();
      await deadLetters.stop();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
      clearInterval(revalidate);
      if (!deps.identity) await identity.close();
    },
  };
}

function noCacheIndex(res: express.Response, path: string): void {
  if (path.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
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
