import { useEffect, useState } from 'react';
import { api } from '../api.js';

interface Feature {
  properties: { id: string; name: string };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] | number[][][][] };
}

/** A small map of the place: the district's streets (the case's one lit), and a marker at the spot. */
export function PlaceMap({
  lon,
  lat,
  districtId,
  streetId,
}: {
  lon: number;
  lat: number;
  districtId: string;
  streetId?: string;
}) {
  const [features, setFeatures] = useState<Feature[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    void api<{ features?: Feature[] }>(
      'GET',
      `/api/v1/city/geojson?level=street&parent=${encodeURIComponent(districtId)}`,
    ).then((r) => {
      if (r.status === 200 && Array.isArray(r.body.features)) setFeatures(r.body.features);
      else setFailed(true);
    });
  }, [districtId]);
  const rings = (f: Feature): number[][][] =>
    f.geometry.type === 'Polygon'
      ? (f.geometry.coordinates as number[][][])
      : (f.geometry.coordinates as number[][][][]).flat();
  const all = (features ?? []).flatMap((f) => rings(f).flat());
  const xs = [...all.map((p) => p[0]!), lon];
  const ys = [...all.map((p) => p[1]!), lat];
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const W = 360;
  const H = 260;
  const k = Math.min(W / (x1 - x0 || 0.01), H / (y1 - y0 || 0.01)) * 0.92;
  const px = (x: number) => (x - (x0 + x1) / 2) * k + W / 2;
  const py = (y: number) => H / 2 - (y - (y0 + y1) / 2) * k;
  return (
    <figure className="placemap" data-testid="place-map" data-lon={lon} data-lat={lat}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`map ${lon.toFixed(4)}, ${lat.toFixed(4)}`}>
        {(features ?? []).map((f) => (
          <g key={f.properties.id} className={f.properties.id === streetId ? 'street street-on' : 'street'}>
            {rings(f).map((ring, i) => (
              <polygon key={i} points={ring.map((p) => `${px(p[0]!).toFixed(1)},${py(p[1]!).toFixed(1)}`).join(' ')} />
            ))}
          </g>
        ))}
        <circle className="spot-halo" cx={px(lon)} cy={py(lat)} r={14} />
        <circle className="spot" cx={px(lon)} cy={py(lat)} r={5} />
      </svg>
      <figcaption className="en">
        {lon.toFixed(5)}, {lat.toFixed(5)}
        {failed ? ' · 边界不可用 boundaries unavailable' : ''}
      </figcaption>
    </figure>
  );
}
