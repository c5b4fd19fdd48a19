import type { Me } from './model.js';

const TOKEN_KEY = 'cityops.console.token';

/** The session token (also set as an HttpOnly cookie by the login); kept for this tab only. */
export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T & { code?: string; message?: string };
}

/** One call to the gateway (same origin), with the bearer token; never throws on an HTTP status. */
export async function api<T = Record<string, unknown>>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const t = token();
  try {
    const res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        ...(t ? { authorization: `Bearer ${t}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed as Answer<T>['body'] };
  } catch (err) {
    return { status: 0, body: { code: 'E_NETWORK', message: String(err) } as Answer<T>['body'] };
  }
}

export async function login(username: string, password: string): Promise<{ me: Me } | { error: string }> {
  const r = await api<{ token?: string; user?: Me }>('POST', '/api/v1/auth/login', { username, password });
  if (r.status === 200 && r.body.token && r.body.user) {
    sessionStorage.setItem(TOKEN_KEY, r.body.token);
    return { me: r.body.user };
  }
  if (r.status === 429) return { error: '尝试次数过多，请稍后再试 · Too many attempts, wait a moment' };
  if (r.status === 401) return { error: '用户名或密码错误 · Wrong user name or password' };
  return { error: `登录失败 · Login failed (${r.status} ${r.body.code ?? ''})` };
}

export async function me(): Promise<Me | null> {
  const r = await api<{ user?: Me } & Partial<Me>>('GET', '/api/v1/auth/me');
  if (r.status !== 200) return null;
  const u = r.body.user ?? (r.body.username ? (r.body as Me) : undefined);
  return u ?? null;
}

export async function logout(): Promise<void> {
  await api('POST', '/api/v1/auth/logout');
  sessionStorage.removeItem(TOKEN_KEY);
}
