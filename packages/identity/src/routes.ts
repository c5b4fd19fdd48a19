import express, { type Router } from 'express';
import { z } from 'zod';
import { ErrorCodes } from '@cityops/schema';
import { MAX_PASSWORD_BYTES } from './password.js';
import { authenticate, presentedToken, requireRole, SESSION_COOKIE, type AuthOptions } from './middleware.js';

export interface AuthRoutesOptions extends AuthOptions {
  /** Secure cookie flag: 'auto' (default) sets it when the request came over https */
  secureCookie?: boolean | 'auto';
}

const LoginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(MAX_PASSWORD_BYTES),
});

/**
 * `POST /api/v1/auth/login` `{username, password}` → session cookie (HttpOnly, SameSite=Strict,
 * Path=/, Max-Age, Secure over https) and `{token, expiresAt, user}`; `POST /api/v1/auth/logout`
 * revokes the presented session; `GET /api/v1/auth/me`. Answers are `Cache-Control: no-store`.
 */
export function authRoutes(opts: AuthRoutesOptions): Router {
  const router = express.Router();
  const cookieName = opts.cookieName ?? SESSION_COOKIE;
  const json = express.json({ limit: '4kb' });
  const noStore: express.RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };

  router.post('/api/v1/auth/login', noStore, json, async (req, res) => {
    const body = LoginBody.safeParse(req.body);
    if (!body.success) {
      res.status(400).json({ code: ErrorCodes.HTTP_BAD_REQUEST, message: 'login expects JSON {username, password}' });
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const result = await opts.identity.login(body.data.username, body.data.password, address);
    if (!result.ok) {
      if (result.code === ErrorCodes.AUTH_RATE_LIMITED) {
        res
          .status(429)
          .set('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)))
          .json({ code: result.code, message: 'too many login attempts; try again later' });
        return;
      }
      res.status(401).json({ code: result.code, message: 'unknown user name or wrong password' });
      return;
    }
    const secure = opts.secureCookie === 'auto' || opts.secureCookie === undefined ? req.secure : opts.secureCookie;
    const maxAge = Math.max(0, Math.floor((Date.parse(result.expiresAt) - Date.now()) / 1000));
    res.set(
      'Set-Cookie',
      `${cookieName}=${result.token}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`,
    );
    res.json({ token: result.token, expiresAt: result.expiresAt, user: result.user });
  });

  router.post('/api/v1/auth/logout', noStore, authenticate(opts), requireRole(), async (req, res) => {
    if (req.identity?.via !== 'api-key') {
      const token = presentedToken(req, cookieName);
      if (token) await opts.identity.revoke(token);
    }
    res.set('Set-Cookie', `${cookieName}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`);
    res.status(204).end();
  });

  router.get('/api/v1/auth/me', noStore, authenticate(opts), requireRole(), (req, res) => {
    const id = req.identity!;
    res.json({
      user: { username: id.username, roles: id.roles, ...(id.departmentId ? { departmentId: id.departmentId } : {}) },
      via: id.via,
    });
  });
  return router;
}
