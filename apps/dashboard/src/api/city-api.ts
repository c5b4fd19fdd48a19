import type { CityInfo } from '../feed/feed-socket.js';
import { authHeaders } from './auth-token.js';

export type AreaLevel = 'district' | 'street' | 'grid';

export interface AreaProperties {
  id: string;
  name: string;
  nameEn: string;
  parentId: string | null;
  level: string;
}

export interface AreaFeature {
  type: 'Feature';
  properties: AreaProperties;
  geometry: unknown;
}

export interface AreaCollection {
  type: 'FeatureCollection';
  features: AreaFeature[];
}

/** The level below each level, for drill-down; the grid is the finest the screen draws. */
export const CHILD_LEVEL: Record<AreaLevel, AreaLevel | null> = { district: 'street', street: 'grid', grid: null };

/** Same origin: the gateway serves both the dashboard and the API (the Vite dev server proxies). */
export async function fetchCity(signal?: AbortSignal): Promise<CityInfo> {
  const res = await fetch('api/v1/city', { signal, headers: authHeaders() });
  if (!res.ok) throw new Error(`GET /api/v1/city: HTTP ${res.status}`);
  return (await res.json()) as CityInfo;
}

/**
 * The boundaries of one level, or `null` when the gateway has none for it (404: the city pack
 * does not go that deep, or the endpoint is not there yet). Other failures throw.
 */
export async function fetchAreas(
  level: AreaLevel,
  parent?: string,
  signal?: AbortSignal,
): Promise<AreaCollection | null> {
  const params = new URLSearchParams({ level });
  if (parent !== undefined) params.set('parent', parent);
  const res = await fetch(`api/v1/city/geojson?${params.toString()}`, { signal, headers: authHeaders() });
  if (res.status === 404 || res.status === 400 || res.status === 501) return null;
  if (!res.ok) throw new Error(`GET /api/v1/city/geojson?${params.toString()}: HTTP ${res.status}`);
  const body = (await res.json()) as Partial<AreaCollection>;
  if (body.type !== 'FeatureCollection' || !Array.isArray(body.features))
    throw new Error('geojson: not a FeatureCollection');
  return body as AreaCollection;
}
