import type { AreaGeometry, Position, Ring } from './types.js';

/** [minLon, minLat, maxLon, maxLat] */
export type BBox = [number, number, number, number];

const EARTH_M_PER_DEG_LAT = 110_574;
const EARTH_M_PER_DEG_LON_EQ = 111_320;

/** Metres per degree of longitude at a latitude (equirectangular; fine at city scale). */
export function metersPerDegLon(lat: number): number {
  return EARTH_M_PER_DEG_LON_EQ * Math.cos((lat * Math.PI) / 180);
}
export function metersPerDegLat(): number {
  return EARTH_M_PER_DEG_LAT;
}

export function ringBBox(ring: Ring, into?: BBox): BBox {
  const b: BBox = into ?? [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of ring) {
    if (x < b[0]) b[0] = x;
    if (y < b[1]) b[1] = y;
    if (x > b[2]) b[2] = x;
    if (y > b[3]) b[3] = y;
  }
  return b;
}

export function geometryBBox(g: AreaGeometry): BBox {
  const b: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  for (const poly of polygonsOf(g)) for (const ring of poly) ringBBox(ring, b);
  return b;
}

/** The polygons of a Polygon or MultiPolygon, each as [exterior, ...holes]. */
export function polygonsOf(g: AreaGeometry): Ring[][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

/** Even-odd ray casting. Points exactly on an edge may fall either way; callers needing a unique answer use half-open cells. */
export function pointInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const pi = ring[i]!;
    const pj = ring[j]!;
    const yi = pi[1];
    const yj = pj[1];
    if (yi > y !== yj > y) {
      const xCross = ((pj[0] - pi[0]) * (y - yi)) / (yj - yi) + pi[0];
      if (x < xCross) inside = !inside;
    }
  }
  return inside;
}

export function pointInGeometry(x: number, y: number, g: AreaGeometry): boolean {
  for (const poly of polygonsOf(g)) {
    const outer = poly[0];
    if (!outer || !pointInRing(x, y, outer)) continue;
    let inHole = false;
    for (let h = 1; h < poly.length; h++) {
      if (pointInRing(x, y, poly[h]!)) {
        inHole = true;
        break;
      }
    }
    if (!inHole) return true;
  }
  return false;
}

/** Signed area in square degrees (positive = counter-clockwise). */
export function ringSignedArea(ring: Ring): number {
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const p = ring[i]!;
    const q = ring[i + 1]!;
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

/** Area of a polygon geometry in km², using the equirectangular scale at its mean latitude. */
export function geometryAreaKm2(g: AreaGeometry): number {
  const b = geometryBBox(g);
  const lat = (b[1] + b[3]) / 2;
  let deg2 = 0;
  for (const poly of polygonsOf(g)) {
    poly.forEach((ring, i) => {
      const a = Math.abs(ringSignedArea(ring));
      deg2 += i === 0 ? a : -a;
    });
  }
  return (deg2 * metersPerDegLon(lat) * EARTH_M_PER_DEG_LAT) / 1e6;
}

/**
 * Distance in metres from a point to a segment, in a local equirectangular frame.
 * `kx` is metres per degree of longitude at the query latitude (passed in so a caller can hoist it).
 */
export function pointSegmentMeters(x: number, y: number, a: Position, b: Position, kx: number): number {
  const ky = EARTH_M_PER_DEG_LAT;
  const ax = (a[0] - x) * kx;
  const ay = (a[1] - y) * ky;
  const bx = (b[0] - x) * kx;
  const by = (b[1] - y) * ky;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : -(ax * dx + ay * dy) / len2;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const px = ax + t * dx;
  const py = ay + t * dy;
  return Math.sqrt(px * px + py * py);
}

/** Orientation of the triple (p, q, r): >0 counter-clockwise, <0 clockwise, 0 collinear. */
function orient(p: Position, q: Position, r: Position): number {
  return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
}

/** True when two segments cross at a single point interior to both (touching and collinear overlap excluded). */
export function segmentsCrossProperly(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  return o1 * o2 < 0 && o3 * o4 < 0;
}

/** True when a point lies on any edge of a ring (within a tiny tolerance). */
export function pointOnRingBoundary(x: number, y: number, ring: Ring): boolean {
  for (let i = 0; i < ring.length - 1; i++) {
    const p = ring[i]!;
    const q = ring[i + 1]!;
    const cross = (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
    if (Math.abs(cross) > 1e-12) continue;
    if (
      x >= Math.min(p[0], q[0]) - 1e-12 &&
      x <= Math.max(p[0], q[0]) + 1e-12 &&
      y >= Math.min(p[1], q[1]) - 1e-12 &&
      y <= Math.max(p[1], q[1]) + 1e-12
    )
      return true;
  }
  return false;
}

/** An interior sample point of a ring: the centroid when it is inside, otherwise the midpoint of a horizontal chord. */
export function interiorPoint(ring: Ring): Position {
  let cx = 0;
  let cy = 0;
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const p = ring[i]!;
    const q = ring[i + 1]!;
    const f = p[0] * q[1] - q[0] * p[1];
    a += f;
    cx += (p[0] + q[0]) * f;
    cy += (p[1] + q[1]) * f;
  }
  if (a !== 0) {
    const c: Position = [cx / (3 * a), cy / (3 * a)];
    if (pointInRing(c[0], c[1], ring) && !pointOnRingBoundary(c[0], c[1], ring)) return c;
  }
  // Scanline through the bbox middle: take the midpoint of the first inside interval.
  const b = ringBBox(ring);
  const y = (b[1] + b[3]) / 2 + (b[3] - b[1]) * 1e-7;
  const xs: number[] = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const p = ring[i]!;
    const q = ring[i + 1]!;
    if (p[1] > y !== q[1] > y) xs.push(p[0] + ((y - p[1]) * (q[0] - p[0])) / (q[1] - p[1]));
  }
  xs.sort((u, v) => u - v);
  return [((xs[0] ?? b[0]) + (xs[1] ?? b[2])) / 2, y];
}
