import { authHeaders } from '../api/auth-token.js';

/** `GET /api/v1/replays/:id` as the gateway answers it (apps/gateway/src/replay/replay-run.ts). */
export interface ReplayStatus {
  id: string;
  phase: 'starting' | 'running' | 'done' | 'failed' | 'stopped';
  from: string;
  to: string;
  speed: number | null;
  seekedTo: string;
  position: string | null;
  clock: string | null;
  records: { done: number; total: number };
  progress: number;
  rate: number;
  error: string | null;
}

export type ReplayRead = { ok: true; status: ReplayStatus } | { ok: false; code: string; httpStatus: number };

async function call(path: string, init: RequestInit = {}): Promise<ReplayRead> {
  const res = await fetch(path, {
    ...init,
    credentials: 'same-origin',
    headers: { ...authHeaders(), 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  const body = (await res.json().catch(() => ({}))) as Partial<ReplayStatus> & { code?: string };
  if (!res.ok) return { ok: false, code: body.code ?? `HTTP ${res.status}`, httpStatus: res.status };
  return { ok: true, status: body as ReplayStatus };
}

export function readReplay(id: string): Promise<ReplayRead> {
  return call(`/api/v1/replays/${id}`);
}

export function seekReplay(id: string, at: number, speed?: number | 'max'): Promise<ReplayRead> {
  return call(`/api/v1/replays/${id}/seek`, {
    method: 'POST',
    body: JSON.stringify(speed === undefined ? { at } : { at, speed }),
  });
}

/** whether this wall's identity may start, seek and stop replays (an officer or admin) */
export async function mayControlReplays(): Promise<boolean> {
  try {
    const res = await fetch('/api/v1/auth/me', { credentials: 'same-origin', headers: authHeaders() });
    if (!res.ok) return false;
    const me = (await res.json()) as { user?: { roles?: string[] } };
    return (me.user?.roles ?? []).some((r) => r === 'officer' || r === 'admin');
  } catch {
    return false;
  }
}
