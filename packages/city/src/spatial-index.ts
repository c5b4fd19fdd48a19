import {
  geometryBBox,
  metersPerDegLat,
  metersPerDegLon,
  pointInGeometry,
  pointSegmentMeters,
  ringBBox,
  type BBox,
} from './geometry.js';
import type { AreaGeometry, CityPack, LocateResult, NearestRoad, Position } from './types.js';

/**
 * A uniform bucket grid over bounding boxes, stored flat (CSR: `start[b]..start[b+1]` index `items`).
 * City features are small and evenly spread, so one hash lookup plus a handful of candidates beats a
 * tree, and the flat arrays keep 20,000 cells cheap for the garbage collector.
 */
class BucketGrid {
  readonly minX: number;
  readonly minY: number;
  readonly bw: number;
  readonly bh: number;
  readonly nx: number;
  readonly ny: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  constructor(boxes: BBox[], bw: number, bh: number) {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const b of boxes) {
      minX = Math.min(minX, b[0]);
      minY = Math.min(minY, b[1]);
      maxX = Math.max(maxX, b[2]);
      maxY = Math.max(maxY, b[3]);
    }
    if (boxes.length === 0) minX = minY = maxX = maxY = 0;
    this.minX = minX;
    this.minY = minY;
    this.bw = bw;
    this.bh = bh;
    this.nx = Math.floor((maxX - minX) / bw) + 1;
    this.ny = Math.floor((maxY - minY) / bh) + 1;
    const counts = new Int32Array(this.nx * this.ny + 1);
    const ranges = boxes.map((b) => this.range(b));
    for (const [x0, y0, x1, y1] of ranges)
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) counts[y * this.nx + x]!++;
    this.start = new Int32Array(this.nx * this.ny + 1);
    for (let i = 0; i < this.nx * this.ny; i++) this.start[i + 1] = this.start[i]! + counts[i]!;
    this.items = new Int32Array(this.start[this.nx * this.ny]!);
    const fill = this.start.slice(0, -1);
    ranges.forEach(([x0, y0, x1, y1], i) => {
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) this.items[fill[y * this.nx + x]!++] = i;
    });
  }

  private range(b: BBox): [number, number, number, number] {
    const cx = (v: number): number => Math.min(this.nx - 1, Math.max(0, Math.floor((v - this.minX) / this.bw)));
    const cy = (v: number): number => Math.min(this.ny - 1, Math.max(0, Math.floor((v - this.minY) / this.bh)));
    return [cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3])];
  }

  /** Bucket number of a point, or -1 outside the grid. */
  bucketOf(x: number, y: number): number {
    const bx = Math.floor((x - this.minX) / this.bw);
    const by = Math.floor((y - this.minY) / this.bh);
    if (bx < 0 || by < 0 || bx >= this.nx || by >= this.ny || Number.isNaN(bx) || Number.isNaN(by)) return -1;
    return by * this.nx + bx;
  }

  itemsIn(bucket: number): Int32Array {
    return this.items.subarray(this.start[bucket]!, this.start[bucket + 1]!);
  }
}

const OUTSIDE: LocateResult = Object.freeze({ inside: false });

function meanSize(boxes: BBox[], fallback: number): [number, number] {
  if (boxes.length === 0) return [fallback, fallback];
  let w = 0;
  let h = 0;
  for (const b of boxes) {
    w += b[2] - b[0];
    h += b[3] - b[1];
  }
  return [Math.max(w / boxes.length, fallback / 100), Math.max(h / boxes.length, fallback / 100)];
}

/**
 * Point queries over a city pack: which grid cell (and so community, street, district) holds a
 * point, the nearest road segment, and whether a point is in a loading zone. Building the index
 * takes a few tens of milliseconds; queries take microseconds and allocate nothing on the hot path
 * of `locate` (results are shared, frozen objects: do not mutate them).
 *
 * @example
 * const idx = new CityIndex(loadCityPack());
 * idx.locate(121.4737, 31.2304); // { inside: true, districtId: 'sh-huangpu', ... }
 * idx.locate(122.5, 31.0);       // { inside: false }  (East China Sea)
 */
export class CityIndex {
  private readonly cellGeom: AreaGeometry[];
  private readonly cellBox: Float64Array;
  /** Axis-aligned rectangular cells are answered by their box alone (half-open, so shared edges have one owner). */
  private readonly cellIsRect: Uint8Array;
  private readonly cellResult: LocateResult[];
  private readonly cells: BucketGrid;

  private readonly roadIds: string[];
  private readonly roadCoords: Position[][];
  private readonly roads: BucketGrid;
  private readonly roadStamp: Uint32Array;
  private stamp = 0;

  private readonly zoneIds: string[];
  private readonly zoneGeom: AreaGeometry[];
  private readonly zoneBox: BBox[];
  private readonly zones: BucketGrid;

  constructor(pack: CityPack) {
    const community = new Map(pack.communities.map((c) => [c.id, c.parentId]));
    const street = new Map(pack.streets.map((s) => [s.id, s.parentId]));
    const n = pack.grids.length;
    this.cellGeom = pack.grids.map((g) => g.geometry);
    this.cellBox = new Float64Array(n * 4);
    this.cellIsRect = new Uint8Array(n);
    const boxes = pack.grids.map((g, i) => {
      const b = geometryBBox(g.geometry);
      this.cellBox.set(b, i * 4);
      this.cellIsRect[i] = isAxisRect(g.geometry, b) ? 1 : 0;
      return b;
    });
    this.cellResult = pack.grids.map((g) => {
      const streetId = community.get(g.parentId)!;
      return Object.freeze({
        inside: true as const,
        gridId: g.id,
        communityId: g.parentId,
        streetId,
        districtId: street.get(streetId)!,
      });
    });
    const [cw, ch] = meanSize(boxes, 0.01);
    this.cells = new BucketGrid(boxes, cw, ch);

    this.roadIds = pack.roads.map((r) => r.id);
    this.roadCoords = pack.roads.map((r) => r.geometry.coordinates);
    const roadBoxes = pack.roads.map((r) => ringBBox(r.geometry.coordinates));
    // ~1 km buckets: a typical maxMeters of tens to hundreds of metres touches 1-4 buckets
    this.roads = new BucketGrid(roadBoxes, 0.01, 0.009);
    this.roadStamp = new Uint32Array(pack.roads.length);

    this.zoneIds = pack.loadingZones.map((z) => z.id);
    this.zoneGeom = pack.loadingZones.map((z) => z.geometry);
    this.zoneBox = pack.loadingZones.map((z) => geometryBBox(z.geometry));
    this.zones = new BucketGrid(this.zoneBox, 0.005, 0.0045);
  }

  /** Which grid cell holds the point, with its community, street and district. Never throws. */
  locate(lon: number, lat: number): LocateResult {
    const bucket = this.cells.bucketOf(lon, lat);
    if (bucket < 0) return OUTSIDE;
    const box = this.cellBox;
    for (const i of this.cells.itemsIn(bucket)) {
      const o = i * 4;
      if (lon < box[o]! || lat < box[o + 1]! || lon > box[o + 2]! || lat > box[o + 3]!) continue;
      if (this.cellIsRect[i]) {
        if (lon < box[o + 2]! && lat < box[o + 3]!) return this.cellResult[i]!;
        continue;
      }
      if (pointInGeometry(lon, lat, this.cellGeom[i]!)) return this.cellResult[i]!;
    }
    return OUTSIDE;
  }

  /** The nearest road segment within `maxMeters`, or null. Distances use a local flat-earth frame (exact enough within a city). */
  nearestRoad(lon: number, lat: number, maxMeters: number): NearestRoad | null {
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || !(maxMeters >= 0) || this.roadIds.length === 0) return null;
    const kx = metersPerDegLon(lat);
    const g = this.roads;
    const dx = Math.min(maxMeters / kx, g.bw * g.nx);
    const dy = Math.min(maxMeters / metersPerDegLat(), g.bh * g.ny);
    const x0 = Math.max(0, Math.floor((lon - dx - g.minX) / g.bw));
    const x1 = Math.min(g.nx - 1, Math.floor((lon + dx - g.minX) / g.bw));
    const y0 = Math.max(0, Math.floor((lat - dy - g.minY) / g.bh));
    const y1 = Math.min(g.ny - 1, Math.floor((lat + dy - g.minY) / g.bh));
    if (x0 > x1 || y0 > y1) return null;
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.roadStamp.fill(0);
      this.stamp = 1;
    }
    let best = -1;
    let bestD = maxMeters;
    for (let by = y0; by <= y1; by++) {
      for (let bx = x0; bx <= x1; bx++) {
        for (const r of g.itemsIn(by * g.nx + bx)) {
          if (this.roadStamp[r] === this.stamp) continue;
          this.roadStamp[r] = this.stamp;
          const c = this.roadCoords[r]!;
          for (let k = 0; k < c.length - 1; k++) {
            const d = pointSegmentMeters(lon, lat, c[k]!, c[k + 1]!, kx);
            if (d < bestD || (d === bestD && (best < 0 || r < best))) {
              bestD = d;
              best = r;
            }
          }
        }
      }
    }
    return best < 0 ? null : { roadId: this.roadIds[best]!, distanceMeters: bestD };
  }

  /** The id of the loading zone containing the point, or null. */
  inLoadingZone(lon: number, lat: number): string | null {
    const bucket = this.zones.bucketOf(lon, lat);
    if (bucket < 0) return null;
    for (const i of this.zones.itemsIn(bucket)) {
      const b = this.zoneBox[i]!;
      if (lon < b[0] || lat < b[1] || lon > b[2] || lat > b[3]) continue;
      if (pointInGeometry(lon, lat, this.zoneGeom[i]!)) return this.zoneIds[i]!;
    }
    return null;
  }
}

function isAxisRect(g: AreaGeometry, b: BBox): boolean {
  if (g.type !== 'Polygon' || g.coordinates.length !== 1) return false;
  const ring = g.coordinates[0]!;
  if (ring.length !== 5) return false;
  const corners = new Set(ring.slice(0, 4).map(([x, y]) => `${x},${y}`));
  return corners.size === 4 && ring.every(([x, y]) => (x === b[0] || x === b[2]) && (y === b[1] || y === b[3]));
}
