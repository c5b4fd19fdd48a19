import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { ROLES, type Role } from '@cityops/identity';
import { DOORS } from './doors.js';
import { ACTION_ROLES, AUDIT_ROLES, READ_ROLES } from './routes/alerts.js';
import { startDeskGateway, type DeskGateway } from './test/desk-gateway.js';
import { testIdentity, tokenFor } from './test/identity-fixture.js';
import { startTestGateway, type TestGateway } from './test/test-gateway.js';

/**
 * Every route the gateway's express app has, found by walking its router stack, must be in this
 * table: a new route without an entry fails the first test, and each entry is tried without an
 * identity (401) and with every role it does not admit (403).
 *   roles: these roles (and admin) pass; 'any': any identity; 'open': no identity needed (why given);
 *   'machine': an ingest key only (a person's session is not one, so it is 401 for everyone else).
 */
type Door = Role[] | 'any' | 'open' | 'machine';
const asDoor = (roles: readonly Role[]): Door => (ROLES.every((r) => roles.includes(r)) ? 'any' : [...roles]);
const TABLE: Record<string, Door> = {
  'POST /api/v1/auth/login': 'open', // the way in
  'POST /api/v1/auth/logout': 'any',
  'GET /api/v1/auth/me': 'any',
  'GET /healthz': 'open', // liveness only: details need an identity (tested below)
  'GET /api/v1/snapshot': asDoor(DOORS.snapshot),
  'GET /api/v1/dead-letters': asDoor(DOORS.deadLetters),
  'GET /api/v1/city': asDoor(DOORS.city),
  'GET /api/v1/city/geojson': asDoor(DOORS.city),
  'GET /api/v1/hotline/kpis': asDoor(DOORS.hotline),
  'GET /api/v1/hotline/rankings': asDoor(DOORS.hotline),
  'GET /api/v1/sources': asDoor(DOORS.sources),
  'GET /metrics': asDoor(DOORS.metrics),
  'POST /api/v1/events': 'machine',
  'POST /api/v1/replays': asDoor(DOORS.replaysControl),
  'GET /api/v1/replays/:id': asDoor(DOORS.replaysWatch),
  'POST /api/v1/replays/:id/seek': asDoor(DOORS.replaysControl),
  'DELETE /api/v1/replays/:id': asDoor(DOORS.replaysControl),
  'GET /console': 'open', // the console's page itself; everything it reads is behind a door
  'GET /': 'open', // the wall's page (when the dashboard is not built)
};

/** The alerts API (issue 10 part 5, apps/gateway/src/routes/alerts.ts), mounted when there is a desk. */
const DESK_TABLE: Record<string, Door> = {
  'GET /api/v1/alerts': asDoor(READ_ROLES),
  'GET /api/v1/alerts/:id': asDoor(READ_ROLES),
  'GET /api/v1/alerts/:id/audit': asDoor(AUDIT_ROLES),
  'GET /api/v1/rankings': asDoor(READ_ROLES),
  ...Object.fromEntries(
    Object.entries(ACTION_ROLES).flatMap(([action, roles]) =>
      [...new Set([action, action.replace('_', '-')])].map((a) => [`POST /api/v1/alerts/:id/${a}`, asDoor(roles)]),
    ),
  ),
};

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}
function routesOf(stack: Layer[]): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route)
      for (const m of Object.keys(layer.route.methods))
        for (const path of [layer.route.path].flat()) out.push(`${m.toUpperCase()} ${path}`);
    else if (layer.handle?.stack) out.push(...routesOf(layer.handle.stack));
  }
  return out;
}
const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, 'x');

let gw: TestGateway;
const tokens = new Map<Role, string>();
beforeAll(async () => {
  gw = await startTestGateway({ DATA_API_KEYS: 'data-key-door-test-0001', INGEST_API_KEYS: 'ingest-key-door-0001' });
  for (const role of ROLES) tokens.set(role, await gw.tokenFor(role));
}, 120_000);
afterAll(async () => {
  await gw?.close();
});

async function call(route: string, token?: string, base = gw.url): Promise<{ status: number; code?: string }> {
  const [method, path] = route.split(' ') as [string, string];
  const res = await fetch(new URL(concrete(path), base), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: '{}' }),
  });
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, ...(code ? { code } : {}) };
}

describe('every route has a door', () => {
  it('the table names every route of the app (a new route must be added here with its roles)', () => {
    const routes = routesOf((gw.gateway.app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(routes.length).toBeGreaterThan(10);
    const missing = routes.filter((r) => !(r in TABLE));
    expect(missing, 'routes without an entry in the door table').toEqual([]);
  });

  const guarded = Object.entries(TABLE).filter(([, d]) => d !== 'open');
  it.each(guarded)('%s: 401 E_HTTP_UNAUTHORIZED without an identity, and with a bad token', async (route) => {
    expect(await call(route)).toEqual({ status: 401, code: 'E_HTTP_UNAUTHORIZED' });
    expect(await call(route, 'A'.repeat(43))).toEqual({ status: 401, code: 'E_HTTP_UNAUTHORIZED' });
  });

  const byRole = Object.entries(TABLE).filter((e): e is [string, Role[]] => Array.isArray(e[1]));
  it.each(byRole)(
    '%s: 403 E_HTTP_FORBIDDEN for every role it does not admit, passes the others',
    async (route, allowed) => {
      for (const role of ROLES) {
        const got = await call(route, tokens.get(role));
        if (role === 'admin' || allowed.includes(role))
          expect([401, 403], `${route} as ${role}`).not.toContain(got.status);
        else expect(got, `${route} as ${role}`).toEqual({ status: 403, code: 'E_HTTP_FORBIDDEN' });
      }
    },
  );

  const anyRole = Object.entries(TABLE).filter(([, d]) => d === 'any');
  it.each(anyRole)('%s: every role passes', async (route) => {
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      // logging out ends the session: give it one of its own
      const token = route.endsWith('/logout') ? await gw.tokenFor(role) : tokens.get(role);
      const got = await call(route, token);
      expect([401, 403], `${route} as ${role}`).not.toContain(got.status);
    }
  });

  const machine = Object.entries(TABLE).filter(([, d]) => d === 'machine');
  it.each(machine)('%s: a person’s session is not an ingest key', async (route) => {
    for (const role of ROLES) expect((await call(route, tokens.get(role))).status, role).toBe(401);
  });

  it('the data key stands for the data role, not more', async () => {
    const key = 'data-key-door-test-0001';
    expect((await call('GET /api/v1/dead-letters', key)).status).toBe(200);
    expect((await call('GET /api/v1/sources', key)).status).toBe(200);
    const h = await fetch(new URL('/api/v1/dead-letters', gw.url), { headers: { 'x-api-key': key } });
    expect(h.status).toBe(200);
    // an ingest key opens intake only
    expect((await call('GET /api/v1/dead-letters', 'ingest-key-door-0001')).status).toBe(401);
  });

  it('/healthz tells anyone only its status; the components need an identity', async () => {
    const anon = (await (await fetch(new URL('/healthz', gw.url))).json()) as Record<string, unknown>;
    expect(Object.keys(anon).sort()).toEqual(['mode', 'status']);
    const res = await fetch(new URL('/healthz', gw.url), { headers: { authorization: `Bearer ${gw.screenToken}` } });
    const full = (await res.json()) as Record<string, unknown>;
    expect(full).toHaveProperty('components');
  });
});

describe('socket.io doors', () => {
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const s of sockets) s.close();
  });
  const open = (opts: Parameters<typeof connect>[1] = {}, query = '') => {
    const s = connect(gw.url + query, { transports: ['websocket'], reconnection: false, forceNew: true, ...opts });
    sockets.push(s);
    return s;
  };
  const outcome = (s: Socket) =>
    new Promise<{ ok: true } | { ok: false; message: string; data: unknown }>((resolve) => {
      s.once('connect', () => resolve({ ok: true }));
      s.once('connect_error', (err: Error & { data?: unknown }) =>
        resolve({ ok: false, message: err.message, data: err.data }),
      );
    });
  const errorMessage = (s: Socket) => new Promise<{ code: string }>((resolve) => s.once('error-message', resolve));

  it('refuses a handshake without a token, or with a bad one: 401 E_HTTP_UNAUTHORIZED', async () => {
    expect(await outcome(open())).toMatchObject({ ok: false, message: 'E_HTTP_UNAUTHORIZED', data: { status: 401 } });
    expect(await outcome(open({ auth: { token: 'B'.repeat(43) } }))).toMatchObject({
      ok: false,
      message: 'E_HTTP_UNAUTHORIZED',
    });
  });

  it('admits a screen token as auth.token, as ?token= and a session as the cookie', async () => {
    expect(await outcome(open({ auth: { token: gw.screenToken } }))).toEqual({ ok: true });
    expect(await outcome(open({}, `?token=${gw.screenToken}`))).toEqual({ ok: true });
    const cookie = `cityops_session=${tokens.get('officer')!}`;
    expect(await outcome(open({ transports: ['polling'], extraHeaders: { cookie } }))).toEqual({ ok: true });
  });

  it('alerts channel: 403 E_HTTP_FORBIDDEN for the data role on subscribe and resync, a snapshot for a screen', async () => {
    const data = open({ auth: { token: tokens.get('data')! } });
    expect(await outcome(data)).toEqual({ ok: true });
    const refused = errorMessage(data);
    data.emit('subscribe', { channels: ['alerts'] });
    expect(await refused).toMatchObject({ code: 'E_HTTP_FORBIDDEN' });
    const refusedResync = errorMessage(data);
    data.emit('resync', { channel: 'alerts' });
    expect(await refusedResync).toMatchObject({ code: 'E_HTTP_FORBIDDEN' });

    const wall = open({ auth: { token: gw.screenToken } });
    const snap = new Promise<{ channel: string }>((resolve) =>
      wall.on('snapshot', (s: { channel: string }) => {
        if (s.channel === 'alerts') resolve(s);
      }),
    );
    expect(await outcome(wall)).toEqual({ ok: true });
    wall.emit('subscribe', { channels: ['alerts', 'sources'] });
    expect((await snap).channel).toBe('alerts');
  });

  it('an open socket whose session is revoked is told E_HTTP_UNAUTHORIZED and dropped', async () => {
    const quick = await startTestGateway({}, { socketRevalidateMs: 100 });
    try {
      const token = await quick.tokenFor('officer');
      const s = connect(quick.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
      sockets.push(s);
      expect(await outcome(s)).toEqual({ ok: true });
      const told = errorMessage(s);
      const dropped = new Promise<string>((resolve) => s.once('disconnect', resolve));
      await quick.identity.revoke(token);
      expect(await told).toMatchObject({ code: 'E_HTTP_UNAUTHORIZED' });
      expect(await dropped).toBe('io server disconnect');
      // a screen whose token is still good stays
      const wall = connect(quick.url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth: { token: quick.screenToken },
      });
      sockets.push(wall);
      expect(await outcome(wall)).toEqual({ ok: true });
      await new Promise((r) => setTimeout(r, 400));
      expect(wall.connected).toBe(true);
    } finally {
      await quick.close();
    }
  });

  it('a revoked session cannot open a socket any more', async () => {
    const token = await gw.tokenFor('officer');
    expect(await outcome(open({ auth: { token } }))).toEqual({ ok: true });
    await gw.identity.revoke(token);
    expect(await outcome(open({ auth: { token } }))).toMatchObject({ ok: false, message: 'E_HTTP_UNAUTHORIZED' });
  });
});

describe('the alerts API behind the same identity (a gateway with a desk)', () => {
  let desk: DeskGateway;
  const deskTokens = new Map<Role, string>();
  beforeAll(async () => {
    const identity = testIdentity();
    desk = await startDeskGateway({ identityOf: null, identity });
    for (const role of ROLES) deskTokens.set(role, await tokenFor(identity, role));
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('every route of that app is in one of the tables', () => {
    const routes = routesOf((desk.gateway.app as unknown as { router: { stack: Layer[] } }).router.stack);
    const missing = routes.filter((r) => !(r in TABLE) && !(r in DESK_TABLE));
    expect(missing).toEqual([]);
    expect(routes.filter((r) => r in DESK_TABLE).length).toBeGreaterThanOrEqual(14);
  });

  it.each(Object.entries(DESK_TABLE))(
    '%s: 401 without identity, 403 for each role it does not admit',
    async (route, door) => {
      expect(await call(route, undefined, desk.url)).toMatchObject({ status: 401, code: 'E_HTTP_UNAUTHORIZED' });
      if (!Array.isArray(door)) return;
      for (const role of ROLES) {
        const got = await call(route, deskTokens.get(role), desk.url);
        if (role === 'admin' || door.includes(role)) expect([401], `${route} as ${role}`).not.toContain(got.status);
        else expect(got, `${route} as ${role}`).toMatchObject({ status: 403, code: 'E_HTTP_FORBIDDEN' });
      }
    },
  );
});
