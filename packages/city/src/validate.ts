import { z } from 'zod';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import {
  interiorPoint,
  pointInGeometry,
  pointOnRingBoundary,
  polygonsOf,
  geometryBBox,
  segmentsCrossProperly,
  type BBox,
} from './geometry.js';
import { PACK_FILES, PACK_FORMAT_VERSION, type PackFileKey, type PackFiles } from './pack-files.js';
import { categoryIndex } from './taxonomy.js';
import type {
  AreaFeature,
  AreaGeometry,
  AreaLevel,
  CityPack,
  Department,
  LineStringGeometry,
  LoadingZone,
  PackMeta,
  PolygonGeometry,
  Position,
  Ring,
  RoadSegment,
  Taxonomy,
  WhistleDeadlines,
  HotlineDeadlines,
} from './types.js';

/**
 * Validation of a city pack. zod checks the shape of each file; the hand-written checks below
 * look at what zod cannot: geometry (closed rings, enough points, finite coordinates), the id graph
 * (duplicates, unknown parents), coverage (every district has cells), overlapping cells and category
 * codes. Every failure is a CityopsError E_PACK_INVALID whose message names the file and the
 * feature id, because an operator has to find the bad feature in a file of thousands.
 */

const CODE = /^[PE]\.\d{2}(\.\d{2})?$/;
const LARGE = /^[PE]\.\d{2}$/;

const Source = z
  .object({ name: z.string().min(1), url: z.string().optional(), licence: z.string().min(1), what: z.string().min(1) })
  .strict();
const Meta = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    nameEn: z.string().optional(),
    version: z.string().min(1),
    licence: z.string().min(1),
    source: z.array(Source).min(1),
    generated: z
      .object({
        districts: z.boolean(),
        streets: z.boolean(),
        communities: z.boolean(),
        grids: z.boolean(),
        roads: z.boolean(),
        loadingZones: z.boolean(),
      })
      .strict(),
    seed: z.number().int().optional(),
    /** IANA time zone of the city: times without an offset are read in it (default Asia/Shanghai) */
    timeZone: z.string().refine(isTimeZone, 'not an IANA time zone this runtime knows (e.g. Asia/Shanghai)').optional(),
  })
  .strict();
const Small = z.object({ code: z.string().regex(CODE), name: z.string().min(1), nameEn: z.string().min(1) }).strict();
const Large = z
  .object({
    code: z.string().regex(LARGE),
    kind: z.enum(['part', 'event']),
    name: z.string().min(1),
    nameEn: z.string().min(1),
    small: z.array(Small),
  })
  .strict();
const TaxonomySchema = z.object({ standard: z.string().min(1), classes: z.array(Large).min(1) }).strict();
const DepartmentSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    nameEn: z.string().min(1),
    scope: z
      .object({ level: z.enum(['city', 'district', 'street']), areaIds: z.array(z.string().min(1)).optional() })
      .strict(),
    responsibilities: z.array(z.object({ code: z.string(), role: z.enum(['lead', 'assist']) }).strict()),
    onSiteMinutes: z.number().positive().optional(),
  })
  .strict();
const minutes = z
  .number()
  .positive()
  .max(31 * 24 * 60, 'at most 31 days');
const DeadlinesSchema = z
  .object({
    ackMinutes: z
      .object({ critical: minutes, major: minutes, minor: minutes, info: minutes })
      .partial()
      .strict()
      .optional(),
    onSiteMinutes: z.object({ emergency: minutes, priority: minutes, routine: minutes }).partial().strict().optional(),
    resolveMinutes: z.object({ emergency: minutes, priority: minutes, routine: minutes }).partial().strict().optional(),
  })
  .strict();
const HotlineDeadlinesSchema = z
  .object({
    respondMinutes: minutes,
    resolveMinutes: minutes,
    byCategory: z
      .array(
        z
          .object({
            prefix: z
              .string()
              .regex(/^[PE](\.\d{2}(\.\d{2})?)?$/, 'a category code or its start, like E.05 or E.05.01'),
            respondMinutes: minutes,
            resolveMinutes: minutes,
          })
          .strict(),
      )
      .max(500)
      .optional(),
  })
  .strict();
const PackJson = z
  .object({
    formatVersion: z.number().int(),
    meta: Meta,
    departments: z.array(DepartmentSchema),
    taxonomy: TaxonomySchema,
    /** the alert desk's deadlines by level (apps/alert-desk has the defaults for what is left out) */
    deadlines: DeadlinesSchema.optional(),
    /** 12345 ticket deadlines (packages/hotline-kpis has the defaults when they are left out) */
    hotlineDeadlines: HotlineDeadlinesSchema.optional(),
  })
  .strict();

const Geometry = z.object({ type: z.string(), coordinates: z.unknown() });
const AreaProps = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    nameEn: z.string().min(1).optional(),
    parentId: z.string().min(1),
    generated: z.boolean().default(false),
  })
  .loose();
const RoadProps = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    nameEn: z.string().min(1).optional(),
    roadClass: z.enum(['arterial', 'secondary', 'branch']),
    speedLimitKmh: z.number().positive().max(130),
    districtId: z.string().min(1),
    generated: z.boolean().default(false),
  })
  .loose();
const ZoneProps = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    nameEn: z.string().min(1).optional(),
    roadId: z.string().min(1),
    districtId: z.string().min(1),
    capacity: z.number().int().positive(),
    generated: z.boolean().default(false),
  })
  .loose();
const featureOf = <P extends z.ZodType>(props: P) =>
  z.object({ type: z.literal('Feature'), properties: props, geometry: Geometry }).loose();
const collectionOf = <P extends z.ZodType>(props: P) =>
  z.object({ type: z.literal('FeatureCollection'), features: z.array(featureOf(props)) }).loose();

/** The time zone of a pack whose meta names none (version 1 packs were Shanghai's). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Whether `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function packError(message: string, details?: unknown): CityopsError {
  return new CityopsError(ErrorCodes.PACK_INVALID, message, details);
}

function zodFail(file: string, err: z.ZodError, raw: unknown): CityopsError {
  const issue = err.issues[0]!;
  const path = issue.path;
  let where = file;
  if (path[0] === 'features' && typeof path[1] === 'number') {
    const f = (raw as { features?: { properties?: { id?: unknown } }[] }).features?.[path[1]];
    const id = f?.properties?.id;
    where += typeof id === 'string' ? `: feature "${id}"` : `: feature #${path[1]}`;
    const rest = path.slice(2).join('.');
    return packError(`${where}: ${rest ? `${rest}: ` : ''}${issue.message}`, err.issues);
  }
  return packError(`${where}: ${path.join('.') || '(root)'}: ${issue.message}`, err.issues);
}

function parseWith<T extends z.ZodType>(schema: T, key: PackFileKey, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw zodFail(PACK_FILES[key], r.error, raw);
  return r.data;
}

// ---------- geometry ----------

function isPosition(p: unknown): p is Position {
  return Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number';
}

function checkPositions(coords: unknown, min: number, where: string, what: string): Position[] {
  if (!Array.isArray(coords)) throw packError(`${where}: ${what} is not an array of positions`);
  coords.forEach((p, i) => {
    if (!isPosition(p)) throw packError(`${where}: ${what} position ${i} is not a [lon, lat] pair`);
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]))
      throw packError(`${where}: ${what} position ${i} has a non-finite coordinate`);
    if (p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90)
      throw packError(`${where}: ${what} position ${i} is out of range [${p[0]}, ${p[1]}]`);
  });
  if (coords.length < min) throw packError(`${where}: ${what} has ${coords.length} positions, needs at least ${min}`);
  return (coords as Position[]).map((p) => [p[0], p[1]]);
}

function checkRing(coords: unknown, where: string, what: string): Ring {
  const ring = checkPositions(coords, 4, where, what);
  const a = ring[0]!;
  const b = ring[ring.length - 1]!;
  if (a[0] !== b[0] || a[1] !== b[1])
    throw packError(`${where}: ${what} is not closed (first and last positions differ)`);
  return ring;
}

function checkPolygonCoords(coords: unknown, where: string, prefix: string): Ring[] {
  if (!Array.isArray(coords) || coords.length === 0) throw packError(`${where}: ${prefix}polygon has no rings`);
  return coords.map((r, i) => checkRing(r, where, `${prefix}ring ${i}`));
}

function checkAreaGeometry(g: { type: string; coordinates: unknown }, where: string): AreaGeometry {
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: checkPolygonCoords(g.coordinates, where, '') };
  if (g.type === 'MultiPolygon') {
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0)
      throw packError(`${where}: MultiPolygon has no polygons`);
    return {
      type: 'MultiPolygon',
      coordinates: g.coordinates.map((p, i) => checkPolygonCoords(p, where, `polygon ${i} `)),
    };
  }
  throw packError(`${where}: geometry type ${g.type} is not Polygon or MultiPolygon`);
}

function checkLine(g: { type: string; coordinates: unknown }, where: string): LineStringGeometry {
  if (g.type !== 'LineString') throw packError(`${where}: geometry type ${g.type} is not LineString`);
  return { type: 'LineString', coordinates: checkPositions(g.coordinates, 2, where, 'line') };
}

function checkPolygon(g: { type: string; coordinates: unknown }, where: string): PolygonGeometry {
  if (g.type !== 'Polygon') throw packError(`${where}: geometry type ${g.type} is not Polygon`);
  return { type: 'Polygon', coordinates: checkPolygonCoords(g.coordinates, where, '') };
}

// ---------- overlaps ----------

function bboxesOverlapStrictly(a: BBox, b: BBox): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/**
 * Do two areas share interior? True when edges cross, when a vertex of one is strictly inside the
 * other, or when an interior point of one lies inside the other (identical or nested shapes).
 * Shared edges and corners, as between neighbouring lattice cells, are not an overlap.
 */
export function areasOverlap(a: AreaGeometry, b: AreaGeometry): boolean {
  const ra = polygonsOf(a).flat();
  const rb = polygonsOf(b).flat();
  for (const r of ra) {
    for (let i = 0; i < r.length - 1; i++) {
      for (const s of rb) {
        for (let j = 0; j < s.length - 1; j++)
          if (segmentsCrossProperly(r[i]!, r[i + 1]!, s[j]!, s[j + 1]!)) return true;
      }
    }
  }
  const strictlyInside = (p: Position, g: AreaGeometry, rings: Ring[]): boolean =>
    pointInGeometry(p[0], p[1], g) && !rings.some((ring) => pointOnRingBoundary(p[0], p[1], ring));
  for (const r of ra) for (const p of r) if (strictlyInside(p, b, rb)) return true;
  for (const s of rb) for (const p of s) if (strictlyInside(p, a, ra)) return true;
  for (const poly of polygonsOf(a)) if (strictlyInside(interiorPoint(poly[0]!), b, rb)) return true;
  for (const poly of polygonsOf(b)) if (strictlyInside(interiorPoint(poly[0]!), a, ra)) return true;
  // Shapes that only share collinear edges and vertices (a cell shifted half a cell along a row)
  // escape every test above; a point just inside the middle of each edge catches them.
  return (
    edgeProbes(a, ra).some((p) => strictlyInside(p, b, rb)) || edgeProbes(b, rb).some((p) => strictlyInside(p, a, ra))
  );
}

/** For each edge, a point a hair inside the area, next to the edge's midpoint. */
function edgeProbes(g: AreaGeometry, rings: Ring[]): Position[] {
  const box = geometryBBox(g);
  const eps = Math.max(box[2] - box[0], box[3] - box[1]) * 1e-6;
  const probes: Position[] = [];
  for (const r of rings) {
    for (let i = 0; i < r.length - 1; i++) {
      const [ax, ay] = r[i]!;
      const [bx, by] = r[i + 1]!;
      const len = Math.hypot(bx - ax, by - ay);
      if (len === 0) continue;
      const nx = (-(by - ay) / len) * eps;
      const ny = ((bx - ax) / len) * eps;
      const mx = (ax + bx) / 2;
      const my = (ay + by) / 2;
      if (pointInGeometry(mx + nx, my + ny, g)) probes.push([mx + nx, my + ny]);
      else if (pointInGeometry(mx - nx, my - ny, g)) probes.push([mx - nx, my - ny]);
    }
  }
  return probes;
}

/** Find the first pair of overlapping grid cells, using a bucket grid over their bounding boxes. */
function findOverlap(cells: AreaFeature[]): [AreaFeature, AreaFeature] | null {
  if (cells.length < 2) return null;
  const boxes = cells.map((c) => geometryBBox(c.geometry));
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let sumW = 0;
  let sumH = 0;
  for (const b of boxes) {
    minX = Math.min(minX, b[0]);
    minY = Math.min(minY, b[1]);
    maxX = Math.max(maxX, b[2]);
    maxY = Math.max(maxY, b[3]);
    sumW += b[2] - b[0];
    sumH += b[3] - b[1];
  }
  const bw = Math.max(sumW / boxes.length, (maxX - minX) / 2048, 1e-9);
  const bh = Math.max(sumH / boxes.length, (maxY - minY) / 2048, 1e-9);
  const nx = Math.floor((maxX - minX) / bw) + 1;
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i]!;
    const x0 = Math.floor((b[0] - minX) / bw);
    const x1 = Math.floor((b[2] - minX) / bw);
    const y0 = Math.floor((b[1] - minY) / bh);
    const y1 = Math.floor((b[3] - minY) / bh);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const k = y * nx + x;
        const list = buckets.get(k);
        if (list) {
          for (const j of list) {
            if (bboxesOverlapStrictly(boxes[j]!, b) && areasOverlap(cells[j]!.geometry, cells[i]!.geometry))
              return [cells[j]!, cells[i]!];
          }
          list.push(i);
        } else buckets.set(k, [i]);
      }
    }
  }
  return null;
}

// ---------- the pack ----------

function parseAreas(
  key: 'districts' | 'streets' | 'communities' | 'grids',
  level: AreaLevel,
  raw: unknown,
): AreaFeature[] {
  const file = PACK_FILES[key];
  const fc = parseWith(collectionOf(AreaProps), key, raw);
  return fc.features.map((f) => {
    const p = f.properties;
    const where = `${file}: feature "${p.id}"`;
    const a: AreaFeature = {
      id: p.id,
      name: p.name,
      parentId: p.parentId,
      level,
      generated: p.generated,
      geometry: checkAreaGeometry(f.geometry, where),
    };
    if (p.nameEn !== undefined) a.nameEn = p.nameEn;
    return a;
  });
}

function checkUnique(items: { id: string }[], file: string, seen: Map<string, string>): void {
  for (const it of items) {
    const prev = seen.get(it.id);
    if (prev !== undefined) throw packError(`${file}: feature "${it.id}": duplicate id (already used in ${prev})`);
    seen.set(it.id, file);
  }
}

function checkParents(children: AreaFeature[], parents: Set<string>, file: string, parentLevel: string): void {
  for (const c of children) {
    if (!parents.has(c.parentId))
      throw packError(`${file}: feature "${c.id}": unknown parent "${c.parentId}" (no such ${parentLevel})`);
  }
}

function checkCoverage(parents: AreaFeature[], children: AreaFeature[], file: string, childWord: string): void {
  const has = new Set(children.map((c) => c.parentId));
  for (const p of parents) {
    if (!has.has(p.id)) throw packError(`${file}: feature "${p.id}": has no ${childWord} (missing coverage)`);
  }
}

function checkTaxonomy(t: Taxonomy): void {
  const seen = new Set<string>();
  for (const c of t.classes) {
    if (seen.has(c.code)) throw packError(`${PACK_FILES.pack}: taxonomy: duplicate category code "${c.code}"`);
    seen.add(c.code);
    if ((c.kind === 'part') !== c.code.startsWith('P'))
      throw packError(
        `${PACK_FILES.pack}: taxonomy: class "${c.code}" has kind ${c.kind}, but P codes are parts and E codes events`,
      );
    for (const s of c.small) {
      if (!s.code.startsWith(`${c.code}.`))
        throw packError(
          `${PACK_FILES.pack}: taxonomy: small class "${s.code}" is not under its large class "${c.code}"`,
        );
      if (seen.has(s.code)) throw packError(`${PACK_FILES.pack}: taxonomy: duplicate category code "${s.code}"`);
      seen.add(s.code);
    }
  }
}

function checkDepartments(depts: Department[], taxonomy: Taxonomy, areaIds: { has(id: string): boolean }): void {
  const cats = categoryIndex(taxonomy);
  const ids = new Set<string>();
  const leads = new Map<string, string>();
  for (const d of depts) {
    const where = `${PACK_FILES.pack}: department "${d.id}"`;
    if (ids.has(d.id)) throw packError(`${where}: duplicate id`);
    ids.add(d.id);
    for (const a of d.scope.areaIds ?? [])
      if (!areaIds.has(a)) throw packError(`${where}: scope names unknown area "${a}"`);
    for (const r of d.responsibilities) {
      if (!cats.has(r.code)) throw packError(`${where}: unknown category code "${r.code}"`);
      if (r.role !== 'lead') continue;
      const other = leads.get(r.code);
      // 一门主责: one lead department per category (areas do not split leadership in this format)
      if (other !== undefined) throw packError(`${where}: category "${r.code}" already has lead department "${other}"`);
      leads.set(r.code, d.id);
    }
  }
}

/**
 * Validate the files of a pack and build the in-memory CityPack. Throws CityopsError E_PACK_INVALID
 * naming the file and feature at the first problem found.
 */
export function parsePack(files: PackFiles): CityPack {
  const rawPack = files.pack as { formatVersion?: unknown } | undefined;
  if (rawPack && typeof rawPack.formatVersion === 'number' && rawPack.formatVersion !== PACK_FORMAT_VERSION) {
    throw packError(
      `${PACK_FILES.pack}: unsupported formatVersion ${rawPack.formatVersion} (this reader knows ${PACK_FORMAT_VERSION})`,
    );
  }
  const pj = parseWith(PackJson, 'pack', files.pack);
  const meta: PackMeta = { ...(pj.meta as PackMeta), timeZone: pj.meta.timeZone ?? DEFAULT_TIME_ZONE };
  const taxonomy = pj.taxonomy as Taxonomy;
  checkTaxonomy(taxonomy);

  const districts = parseAreas('districts', 'district', files.districts);
  const streets = parseAreas('streets', 'street', files.streets);
  const communities = parseAreas('communities', 'community', files.communities);
  const grids = parseAreas('grids', 'grid', files.grids);

  const roadFc = parseWith(collectionOf(RoadProps), 'roads', files.roads);
  const roads: RoadSegment[] = roadFc.features.map((f) => {
    const p = f.properties;
    const r: RoadSegment = {
      id: p.id,
      name: p.name,
      roadClass: p.roadClass,
      speedLimitKmh: p.speedLimitKmh,
      districtId: p.districtId,
      generated: p.generated,
      geometry: checkLine(f.geometry, `${PACK_FILES.roads}: feature "${p.id}"`),
    };
    if (p.nameEn !== undefined) r.nameEn = p.nameEn;
    return r;
  });
  const zoneFc = parseWith(collectionOf(ZoneProps), 'loadingZones', files.loadingZones);
  const loadingZones: LoadingZone[] = zoneFc.features.map((f) => {
    const p = f.properties;
    const z0: LoadingZone = {
      id: p.id,
      name: p.name,
      roadId: p.roadId,
      districtId: p.districtId,
      capacity: p.capacity,
      generated: p.generated,
      geometry: checkPolygon(f.geometry, `${PACK_FILES.loadingZones}: feature "${p.id}"`),
    };
    if (p.nameEn !== undefined) z0.nameEn = p.nameEn;
    return z0;
  });

  // ids are unique across the whole hierarchy, so an id alone names an area
  const areaSeen = new Map<string, string>([[meta.id, PACK_FILES.pack]]);
  checkUnique(districts, PACK_FILES.districts, areaSeen);
  checkUnique(streets, PACK_FILES.streets, areaSeen);
  checkUnique(communities, PACK_FILES.communities, areaSeen);
  checkUnique(grids, PACK_FILES.grids, areaSeen);
  checkUnique(roads, PACK_FILES.roads, new Map());
  checkUnique(loadingZones, PACK_FILES.loadingZones, new Map());

  checkParents(districts, new Set([meta.id]), PACK_FILES.districts, 'city (meta.id)');
  const districtIds = new Set(districts.map((d) => d.id));
  checkParents(streets, districtIds, PACK_FILES.streets, 'district');
  checkParents(communities, new Set(streets.map((s) => s.id)), PACK_FILES.communities, 'street');
  checkParents(grids, new Set(communities.map((c) => c.id)), PACK_FILES.grids, 'community');
  for (const r of roads) {
    if (!districtIds.has(r.districtId))
      throw packError(`${PACK_FILES.roads}: feature "${r.id}": unknown district "${r.districtId}"`);
  }
  const roadIds = new Set(roads.map((r) => r.id));
  for (const z0 of loadingZones) {
    if (!roadIds.has(z0.roadId))
      throw packError(`${PACK_FILES.loadingZones}: feature "${z0.id}": unknown road "${z0.roadId}"`);
    if (!districtIds.has(z0.districtId))
      throw packError(`${PACK_FILES.loadingZones}: feature "${z0.id}": unknown district "${z0.districtId}"`);
  }

  if (districts.length === 0) throw packError(`${PACK_FILES.districts}: no districts`);
  checkCoverage(districts, streets, PACK_FILES.districts, 'streets and so no grid cells');
  checkCoverage(streets, communities, PACK_FILES.streets, 'communities and so no grid cells');
  checkCoverage(communities, grids, PACK_FILES.communities, 'grid cells');

  const overlap = findOverlap(grids);
  if (overlap)
    throw packError(`${PACK_FILES.grids}: feature "${overlap[1].id}": overlaps grid cell "${overlap[0].id}"`);

  checkDepartments(pj.departments as Department[], taxonomy, areaSeen);

  return {
    formatVersion: pj.formatVersion,
    meta,
    districts,
    streets,
    communities,
    grids,
    roads,
    loadingZones,
    departments: pj.departments as Department[],
    taxonomy,
    ...(pj.deadlines ? { deadlines: pj.deadlines as WhistleDeadlines } : {}),
    ...(pj.hotlineDeadlines ? { hotlineDeadlines: pj.hotlineDeadlines as HotlineDeadlines } : {}),
    // read from the pack's mappings/ directory by loadCityPack (mappings.ts)
    mappings: {},
  };
}
