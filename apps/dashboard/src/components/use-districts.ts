import { useEffect, useState } from 'react';
import { fetchAreas } from '../api/city-api.js';
import { registerAreas } from '../charts/register-areas.js';
import type { RegisteredAreas } from '../charts/register-areas.js';

export type DistrictsState =
  { status: 'loading' } | { status: 'ready'; districts: RegisteredAreas } | { status: 'error'; message: string };

const RETRY_MS = 10_000;

/** The city's districts, fetched once; a failure is shown and retried, since the wall runs unattended. */
export function useDistricts(): DistrictsState {
  const [state, setState] = useState<DistrictsState>({ status: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (): Promise<void> => {
      try {
        const geo = await fetchAreas('district', undefined, abort.signal);
        if (!geo || geo.features.length === 0) throw new Error('no district boundaries');
        setState({ status: 'ready', districts: registerAreas('district', undefined, geo) });
      } catch (err) {
        if (abort.signal.aborted) return;
        setState({ status: 'error', message: err instanceof Error ? err.message : String(err) });
        timer = setTimeout(() => void load(), RETRY_MS);
      }
    };
    void load();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, []);
  return state;
}
