import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ErrorCodes } from '@cityops/schema';
import { safeEqual } from './password.js';
import { hasRole, type Identity, type Role } from './roles.js';
import type { IdentityService } from './service.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** set by `authenticate` when the request carries a valid session, token or API key */
    identity?: Identity;
  }
}

export const SESSION_COOKIE = 'cityops_session';

/** A machine credential that stands for a role (e.g. DATA_API_KEYS → `data`, ADMIN_API_KEY → `admin`). */
export interface ApiKeyIdentity {
  key: string;
  username: string;
  roles: Role[];
}

/** DATA_API_KEYS and ADMIN_API_KEY as identities (`via: 'api-key'`): the data team's and the operator's keys. */
export function apiKeyIdentities(config: {
  DATA_API_KEYS?: readonly string[];
  ADMIN_API_KEY?: string;
}): ApiKeyIdentity[] {
  return [
    ...(config.DATA_API_KEYS ?? []).map((key, i) => ({
      key,
      username: `data-key-${i + 1}`,
      roles: ['data'] as Role[],
    })),
    ...(config.ADMIN_API_KEY ? [{ key: config.ADMIN_API_KEY, username: 'admin-key', roles: ['admin'] as Role[] }] : []),
  ];
}

export interface AuthOptions {
  identity: IdentityService;
  /** machine keys accepted as `X-API-Key` or `Authorization: Bearer` */
  apiKeys?: readonly ApiKeyIdentity[];
  cookieName?: string;
}

/** What a request or handshake presents. */
export interface Presented {
  cookie?: string | undefined;
  authorization?: string | undefined;
  apiKey?: string | undefined;
  /** socket.io `auth.token` or `?token=` */
  token?: string | undefined;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Reads one cookie from a Cookie header (RFC 6265 syntax; the first of that name wins). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim();
    return v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
  }
  return undefined;
}

function bearerOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  return m ? m[1] : undefined;
}

/**
 * Finds who presented what: an API key (compared as SHA-256 digests with `timingSafeEqual`
 * against every configured key, without stopping at a match), then a bearer token, then
 * `auth.token` / `?token=`, then the session cookie. Invalid credentials give undefined.
 */
export async function identify(opts: AuthOptions, presented: Presented): Promise<Identity | undefined> {
  return (await identifyWithToken(opts, presented))?.identity;
}

/** `identify`, and the session or screen token that matched (none for an API key). */
async function identifyWithToken(
  opts: AuthOptions,
  presented: Presented,
): Promise<{ identity: Identity; token?: string } | undefined> {
  const bearer = bearerOf(presented.authorization);
  const keys = opts.apiKeys ?? [];
  if (keys.length > 0) {
    const candidates = [presented.apiKey, bearer].filter((k): k is string => typeof k === 'string' && k !== '');
    let found: ApiKeyIdentity | undefined;
    for (const c of candidates) {
      const d = digest(c);
      for (const k of keys) if (safeEqual(d, digest(k.key)) && !found) found = k;
    }
    if (found)
      return {
        identity: {
          userId: `key:${found.username}`,
          username: found.username,
          roles: [...found.roles],
          via: 'api-key',
        },
      };
  }
  const tries: Array<[string | undefined, Identity['via']]> = [
    [bearer, 'bearer'],
    [presented.token, 'bearer'],
    [readCookie(presented.cookie, opts.cookieName ?? SESSION_COOKIE), 'cookie'],
  ];
  for (const [token, via] of tries) {
    if (!token) continue;
    const id = await opts.identity.resolve(token, via);
    if (id) {
      const { expiresAt: _drop, ...identity } = id;
      return { identity, token };
    }
  }
  return undefined;
}

/** Sets `req.identity` when the request carries a valid credential; never answers by itself. */
export function authenticate(opts: AuthOptions): RequestHandler {
  return async (req, _res, next) => {
    try {
      const found = await identify(opts, {
        cookie: req.headers.cookie,
        authorization: req.get('authorization'),
        apiKey: req.get('x-api-key'),
      });
      if (found) req.identity = found;
      else delete req.identity;
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function identityOf(req: Request): Identity | undefined {
  return req.identity;
}

/** The credential a request presented (for logout): bearer first, then the cookie. */
export function presentedToken(req: Request, cookieName = SESSION_COOKIE): string | undefined {
  return bearerOf(req.get('authorization')) ?? readCookie(req.headers.cookie, cookieName);
}

/**
 * 401 E_HTTP_UNAUTHORIZED without an identity, 403 E_HTTP_FORBIDDEN with none of `roles`
 * (`admin` passes every check). Without arguments: any identity (any role) passes.
 */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, res, next) => {
    const id = req.identity;
    if (!id) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({
        code: ErrorCodes.HTTP_UNAUTHORIZED,
        message: 'log in first (session cookie or Authorization: Bearer)',
      });
      return;
    }
    if (roles.length > 0 && !hasRole(id, roles)) {
      res.status(403).json({ code: ErrorCodes.HTTP_FORBIDDEN, message: `this needs the role ${roles.join(' or ')}` });
      return;
    }
    next();
  };
}

/** The parts of a socket.io socket `socketAuth` reads (structural, so this package needs no socket.io). */
export interface HandshakeSocket {
  handshake: {
    headers: Record<string, string | string[] | undefined>;
    auth?: Record<string, unknown>;
    query?: Record<string, unknown>;
  };
  data: { identity?: Identity; authToken?: string; [k: string]: unknown };
}

/** The error a refused handshake gets: the client's `connect_error` has `message` = the code, `data` = {code, status}. */
export class HandshakeError extends Error {
  readonly data: { code: string; status: 401 | 403; message: string };
  constructor(code: string, status: 401 | 403, message: string) {
    super(code);
    this.data = { code, status, message };
  }
}

/**
 * socket.io middleware (`io.use(socketAuth(opts, ['screen', ...]))`): the handshake's cookie,
 * `auth.token` or `?token=` (or an Authorization header) must name an identity with one of
 * `allowed`; else the handshake is refused with E_HTTP_UNAUTHORIZED or E_HTTP_FORBIDDEN.
 * The identity is left in `socket.data.identity`.
 */
export function socketAuth(
  opts: AuthOptions,
  allowed: Role[],
): (socket: HandshakeSocket, next: (err?: Error) => void) => void {
  return (socket, next) => {
    const h = socket.handshake;
    const one = (v: unknown) =>
      typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
    identifyWithToken(opts, {
      cookie: one(h.headers.cookie),
      authorization: one(h.headers.authorization),
      apiKey: one(h.headers['x-api-key']),
      token: one(h.auth?.token) ?? one(h.query?.token),
    }).then(
      (found) => {
        const id = found?.identity;
        if (!id) {
          next(new HandshakeError(ErrorCodes.HTTP_UNAUTHORIZED, 401, 'a screen token or a session is required'));
          return;
        }
        if (!hasRole(id, allowed)) {
          next(new HandshakeError(ErrorCodes.HTTP_FORBIDDEN, 403, `this needs the role ${allowed.join(' or ')}`));
          return;
        }
        socket.data.identity = id;
        if (found.token) socket.data.authToken = found.token;
        next();
      },
      (err: unknown) => next(err instanceof Error ? err : new Error(String(err))),
    );
  };
}

/**
 * For a socket admitted by `socketAuth` with a session or screen token: true while that token
 * still resolves (not revoked, expired, or its user removed). The gateway asks this for every
 * socket now and then and disconnects the ones that are no longer valid.
 */
export async function stillValid(opts: AuthOptions, socket: Pick<HandshakeSocket, 'data'>): Promise<boolean> {
  const token = socket.data.authToken;
  if (token === undefined) return socket.data.identity?.via === 'api-key';
  return (await opts.identity.resolve(token, 'bearer')) !== undefined;
}
