import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileDirectory } from './file-directory.js';
import { authenticate, identityOf, requireRole } from './middleware.js';
import { authRoutes } from './routes.js';
import { IdentityService } from './service.js';

const PASSWORD = 'route-test-password-1';
let server: Server;
let base: string;
let identity: IdentityService;

beforeAll(async () => {
  identity = new IdentityService({
    directory: new FileDirectory(join(mkdtempSync(join(tmpdir(), 'cityops-routes-')), 'users.json')),
    kdf: { log2N: 10, r: 8, p: 1 },
    loginLimits: { perUserBurst: 3, perUserRefillMs: 3_600_000 },
  });
  await identity.addUser({ username: 'officer1', roles: ['officer'], password: PASSWORD });
  await identity.addUser({ username: 'dept1', roles: ['department'], departmentId: 'sh-water', password: PASSWORD });
  await identity.addUser({ username: 'limited', roles: ['officer'], password: PASSWORD });
  const app = express();
  const auth = {
    identity,
    apiKeys: [{ key: 'admin-key-routes-000001', username: 'admin-key', roles: ['admin' as const] }],
  };
  app.use(authenticate(auth));
  app.use(authRoutes(auth));
  app.get('/officers-only', requireRole('officer'), (req, res) => {
    res.json({ who: identityOf(req)?.username });
  });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const login = (username: string, password: string) =>
  fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

describe('POST /api/v1/auth/login', () => {
  it('answers {token, user} and sets an HttpOnly, SameSite=Strict session cookie (not Secure over plain http)', async () => {
    const res = await login('dept1', PASSWORD);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { token: string; user: unknown };
    expect(body.user).toEqual({ username: 'dept1', roles: ['department'], departmentId: 'sh-water' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^cityops_session=${body.token}; `));
    const flags = cookie.split('; ').slice(1);
    expect(flags).toContain('HttpOnly');
    expect(flags).toContain('SameSite=Strict');
    expect(flags).toContain('Path=/');
    expect(flags.some((f) => /^Max-Age=\d+$/.test(f))).toBe(true);
    expect(flags).not.toContain('Secure');
  });

  it('sets Secure behind https (X-Forwarded-Proto is not trusted, so the app decides via secureCookie)', async () => {
    const app = express();
    app.use(authRoutes({ identity, secureCookie: true }));
    const s = createServer(app);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'officer1', password: PASSWORD }),
    });
    await new Promise((r) => s.close(r));
    expect(res.headers.get('set-cookie')!.split('; ')).toContain('Secure');
  });

  it('the token works as Bearer and as the cookie; /me says who; logout revokes it', async () => {
    const { token } = (await (await login('officer1', PASSWORD)).json()) as { token: string };
    const bearer = { authorization: `Bearer ${token}` };
    expect(await (await fetch(`${base}/officers-only`, { headers: bearer })).json()).toEqual({ who: 'officer1' });
    const me = await fetch(`${base}/api/v1/auth/me`, { headers: { cookie: `other=1; cityops_session=${token}` } });
    expect(await me.json()).toEqual({ user: { username: 'officer1', roles: ['officer'] }, via: 'cookie' });
    const out = await fetch(`${base}/api/v1/auth/logout`, { method: 'POST', headers: bearer });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^cityops_session=; Path=\/; Max-Age=0/);
    expect((await fetch(`${base}/officers-only`, { headers: bearer })).status).toBe(401);
  });

  it('a wrong password and an unknown user both get 401 E_AUTH_BAD_CREDENTIALS, no cookie', async () => {
    for (const [u, p] of [
      ['officer1', 'wrong-password-1'],
      ['nobody', PASSWORD],
    ] as const) {
      const res = await login(u, p);
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.json()).toMatchObject({ code: 'E_AUTH_BAD_CREDENTIALS' });
    }
  });

  it('a malformed body gets 400 E_HTTP_BAD_REQUEST', async () => {
    for (const body of [
      'not json',
      '{"username":1}',
      '[]',
      JSON.stringify({ username: 'x'.repeat(65), password: 'p' }),
    ]) {
      const res = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status, body).toBe(400);
    }
  });

  it('rate-limits: after the burst for a user name, 429 E_AUTH_RATE_LIMITED with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await login('limited', 'wrong-password-x')).status).toBe(401);
    const res = await login('limited', PASSWORD);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res.json()).toMatchObject({ code: 'E_AUTH_RATE_LIMITED' });
  });

  it('requireRole: 401 without identity, 403 E_HTTP_FORBIDDEN for another role, admin (an API key) passes', async () => {
    expect((await fetch(`${base}/officers-only`)).status).toBe(401);
    const { token } = (await (await login('dept1', PASSWORD)).json()) as { token: string };
    const res = await fetch(`${base}/officers-only`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'E_HTTP_FORBIDDEN' });
    const admin = await fetch(`${base}/officers-only`, { headers: { 'x-api-key': 'admin-key-routes-000001' } });
    expect(await admin.json()).toEqual({ who: 'admin-key' });
  });

  it('writes no password or token to stdout, stderr or the console', async () => {
    const seen: string[] = [];
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation((c) => (seen.push(String(c)), true)),
      vi.spyOn(process.stderr, 'write').mockImplementation((c) => (seen.push(String(c)), true)),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
        vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void seen.push(a.map(String).join(' '))),
      ),
    ];
    try {
      await login('officer1', 'a-wrong-secret-guess');
      const { token } = (await (await login('officer1', PASSWORD)).json()) as { token: string };
      await fetch(`${base}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      const all = seen.join('\n');
      expect(all).not.toContain(PASSWORD);
      expect(all).not.toContain('a-wrong-secret-guess');
      expect(all).not.toContain(token);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
