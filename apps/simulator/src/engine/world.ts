import type { CityIndex, CityPack, RoadSegment } from '@cityops/city';
import { cumulate } from '../prng.js';

/** A grid cell's centre with its area chain: where hotline callers and fixed sensors are. */
export interface Cell {
  lon: number;
  lat: number;
  gridId: string;
  streetId: string;
  districtId: string;
}

/** A usable loading zone: its centre is inside the zone and inside the city. */
export interface Zone {
  id: string;
  lon: number;
  lat: number;
}

/** Points along a road segment: 0 and ROAD_STEPS are its ends. */
export const ROAD_STEPS = 8;

/**
 * Busier districts see more of everything. The default pack is Shanghai; other packs fall back to 1.
 * Relative weights, roughly by population density (central districts first).
 */
const DISTRICT_DENSITY: Record<string, number> = {
  'sh-huangpu': 3,
  'sh-jingan': 3,
  'sh-xuhui': 2.6,
  'sh-changning': 2.4,
  'sh-putuo': 2.6,
  'sh-hongkou': 2.6,
  'sh-yangpu': 2.2,
  'sh-pudong': 1.6,
  'sh-minhang': 1.3,
  'sh-baoshan': 1.2,
  'sh-chongming': 0.3,
};

export const densityOf = (districtId: string): number => DISTRICT_DENSITY[districtId] ?? 1;

/**
 * What the engine needs from the city pack, precomputed once: cell centres, the usable road network
 * (every sample point of a segment is inside the city, so no simulated event is ever rejected as
 * outside), road adjacency by shared end points, and loading zones by road.
 */
export class World {
  readonly cells: Cell[];
  readonly cellCum: Float64Array;
  readonly cellsByStreet = new Map<string, number[]>();
  readonly cellByGridId = new Map<string, number>();
  readonly streetIds: string[];
  readonly streetCum: Float64Array;
  readonly streetName = new Map<string, string>();
  readonly districtIds: string[];
  readonly districtCum: Float64Array;

  readonly roads: RoadSegment[];
  readonly roadCum: Float64Array;
  readonly roadsByDistrict = new Map<string, number[]>();
  readonly roadAdj: number[][];
  readonly zonesByRoad = new Map<number, Zone[]>();
  readonly roadLengthM: Float64Array;

  constructor(
    readonly pack: CityPack,
    readonly index: CityIndex,
  ) {
    this.cells = [];
    for (const g of pack.grids) {
      const [lon, lat] = centreOf(
        g.geometry.type === 'Polygon' ? g.geometry.coordinates[0]! : g.geometry.coordinates[0]![0]!,
      );
      const where = index.locate(lon, lat);
      if (!where.inside || where.gridId !== g.id) continue;
      this.cellByGridId.set(g.id, this.cells.length);
      const list = this.cellsByStreet.get(where.streetId) ?? [];
      list.push(this.cells.length);
      this.cellsByStreet.set(where.streetId, list);
      this.cells.push({
        lon: round6(lon),
        lat: round6(lat),
        gridId: g.id,
        streetId: where.streetId,
        districtId: where.districtId,
      });
    }
    this.cellCum = cumulate(this.cells.map((c) => densityOf(c.districtId)));
    for (const s of pack.streets) this.streetName.set(s.id, s.name);
    this.streetIds = [...this.cellsByStreet.keys()];
    this.streetCum = cumulate(
      this.streetIds.map(
        (s) => this.cellsByStreet.get(s)!.length * densityOf(this.cells[this.cellsByStreet.get(s)![0]!]!.districtId),
      ),
    );
    this.districtIds = [...new Set(this.cells.map((c) => c.districtId))];
    this.districtCum = cumulate(
      this.districtIds.map((d) => densityOf(d) * this.cells.filter((c) => c.districtId === d).length),
    );

    this.roads = pack.roads.filter((r) => {
      for (let k = 0; k <= ROAD_STEPS; k++) {
        const [lon, lat] = pointOn(r, k);
        if (!index.locate(lon, lat).inside) return false;
      }
      return true;
    });
    this.roadLengthM = Float64Array.from(this.roads.map(lengthMeters));
    this.roadCum = cumulate(
      this.roads.map(
        (r) => densityOf(r.districtId) * (r.roadClass === 'arterial' ? 3 : r.roadClass === 'secondary' ? 2 : 1),
      ),
    );
    const byEnd = new Map<string, number[]>();
    this.roads.forEach((r, i) => {
      const list = this.roadsByDistrict.get(r.districtId) ?? [];
      list.push(i);
      this.roadsByDistrict.set(r.districtId, list);
      for (const k of endKeys(r)) {
        const at = byEnd.get(k) ?? [];
        at.push(i);
        byEnd.set(k, at);
      }
    });
    this.roadAdj = this.roads.map((r, i) =>
      [...new Set(endKeys(r).flatMap((k) => byEnd.get(k)!))].filter((j) => j !== i),
    );

    const roadIndex = new Map(this.roads.map((r, i) => [r.id, i]));
    for (const z of pack.loadingZones) {
      const ri = roadIndex.get(z.roadId);
      if (ri === undefined) continue;
      const [lon, lat] = centreOf(z.geometry.coordinates[0]!);
      if (index.inLoadingZone(lon, lat) !== z.id || !index.locate(lon, lat).inside) continue;
      const list = this.zonesByRoad.get(ri) ?? [];
      list.push({ id: z.id, lon: round6(lon), lat: round6(lat) });
      this.zonesByRoad.set(ri, list);
    }
  }

  /** The k-th of ROAD_STEPS+1 points along road `ri`, rounded to the 6 decimals events carry. */
  roadPoint(ri: number, k: number): [number, number] {
    const [lon, lat] = pointOn(this.roads[ri]!, k);
    return [round6(lon), round6(lat)];
  }

  /** The cell holding a point (for hotline callers near an incident), or undefined. */
  cellAt(lon: number, lat: number): Cell | undefined {
    const where = this.index.locate(lon, lat);
    if (!where.inside) return undefined;
    const i = this.cellByGridId.get(where.gridId);
    return i === undefined ? undefined : this.cells[i];
  }
}

export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Distance in metres between two lon/lat points (flat-earth, fine within a city). */
export function metres(aLon: number, aLat: number, bLon: number, bLat: number): number {
  const kx = 111_320 * Math.cos((((aLat + bLat) / 2) * Math.PI) / 180);
  return Math.hypot((bLon - aLon) * kx, (bLat - aLat) * 110_540);
}

function centreOf(ring: [number, number][]): [number, number] {
  const pts = ring.slice(0, -1);
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}

function pointOn(r: RoadSegment, k: number): [number, number] {
  const c = r.geometry.coordinates;
  // walk the polyline by vertex count; generated roads are straight two-point segments
  const f = (k / ROAD_STEPS) * (c.length - 1);
  const i = Math.min(Math.floor(f), c.length - 2);
  const u = f - i;
  const a = c[i]!;
  const b = c[i + 1]!;
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u];
}

function endKeys(r: RoadSegment): string[] {
  const c = r.geometry.coordinates;
  return [c[0]!, c[c.length - 1]!].map((p) => `${p[0].toFixed(5)},${p[1].toFixed(5)}`);
}

function lengthMeters(r: RoadSegment): number {
  const c = r.geometry.coordinates;
  let m = 0;
  for (let i = 1; i < c.length; i++) m += metres(c[i - 1]![0], c[i - 1]![1], c[i]![0], c[i]![1]);
  return m;
}
