import { useEffect, useState } from 'react';
import { fetchCity } from '../api/city-api.js';
import type { CityInfo } from '../feed/feed-socket.js';

/** The city's name from the API at once, superseded by the socket's `hello` when it comes. */
export function useCity(fromHello: CityInfo | null): CityInfo | null {
  const [fetched, setFetched] = useState<CityInfo | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    fetchCity(abort.signal).then(setFetched, () => undefined);
    return () => abort.abort();
  }, []);
  return fromHello ?? fetched;
}
