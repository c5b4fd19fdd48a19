import { useEffect, useRef, useState } from 'react';
import { authHeaders } from '../api/auth-token.js';
import type { RestState } from '../feed/rest-poll.js';

const MAX_BODY_CHARS = 2_000_000;

/**
 * Polls one JSON endpoint of the gateway every `intervalMs` while the scene that needs it is on
 * the wall; keeps the last good body (checked by `accept`) and when it came, on the server's
 * clock (`clockOffsetMs`), so its age is measured like every other widget's.
 */
export function usePolled<T>(
  url: string,
  intervalMs: number,
  accept: (body: unknown) => body is T,
  clockOffsetMs: number,
): RestState<T> {
  const [state, setState] = useState<RestState<T>>({ data: null, okAt: null, error: null });
  const offset = useRef(clockOffsetMs);
  offset.current = clockOffsetMs;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ctl: AbortController | undefined;
    const poll = async (): Promise<void> => {
      ctl = new AbortController();
      const timeout = setTimeout(() => ctl?.abort(), Math.min(10_000, intervalMs));
      try {
        const res = await fetch(url, { headers: authHeaders(), signal: ctl.signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const text = await res.text();
        if (text.length > MAX_BODY_CHARS) throw new Error('bad body');
        const body: unknown = JSON.parse(text);
        if (!accept(body)) throw new Error('bad body');
        if (!stopped) setState({ data: body, okAt: Date.now() + offset.current, error: null });
      } catch (err) {
        const msg = err instanceof Error && /^HTTP \d+$|^bad body$/.test(err.message) ? err.message : 'network';
        if (!stopped) setState((s) => ({ ...s, error: err instanceof SyntaxError ? 'bad body' : msg }));
      } finally {
        clearTimeout(timeout);
        if (!stopped) timer = setTimeout(() => void poll(), intervalMs);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
      ctl?.abort();
    };
  }, [url, intervalMs, accept]);
  return state;
}
