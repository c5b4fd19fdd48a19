import { CityIndex, responsibleDepartments, type CityPack } from '@cityops/city';
import type { AnyRule, RoadInfo, RuleEnv, RuleSettings } from './rules/rule.js';
import { ruleId } from './rules/rule.js';

/** Settings per rule id (or type): the pack's detector settings; anything not named takes its default. */
export type DetectorSettings = Record<string, RuleSettings>;

const M_PER_DEG_LAT = 111_320;
const metersPerDegLon = (lat: number) => M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);

/** Distance in metres between two lon/lat points (flat-earth, exact enough within a city). */
export function distanceMeters(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dx = (lon2 - lon1) * metersPerDegLon((lat1 + lat2) / 2);
  const dy = (lat2 - lat1) * M_PER_DEG_LAT;
  return Math.sqrt(dx * dx + dy * dy);
}

/** What every rule of one pack shares: the index, zones with their boxes, roads by id. Built once per pack. */
export interface PackContext {
  pack: CityPack;
  index: CityIndex;
  roads: Map<string, RoadInfo>;
  departments: Map<string, { lead?: string; assist: string[] }>;
  /** road indexes by 0.01° bucket, built on first use */
  roadBuckets?: Map<string, number[]>;
}

const contexts = new WeakMap<CityPack, PackContext>();

export function packContext(pack: CityPack, index?: CityIndex): PackContext {
  const hit = contexts.get(pack);
  if (hit) return hit;
  const roads = new Map<string, RoadInfo>();
  for (const r of pack.roads) {
    const c = r.geometry.coordinates;
    const mid = c[Math.floor(c.length / 2)] ?? c[0]!;
    const midPoint: [number, number] =
      c.length === 2 ? [(c[0]![0] + c[1]![0]) / 2, (c[0]![1] + c[1]![1]) / 2] : [mid[0], mid[1]];
    roads.set(r.id, {
      id: r.id,
      name: r.name,
      ...(r.nameEn ? { nameEn: r.nameEn } : {}),
      speedLimitKmh: r.speedLimitKmh,
      districtId: r.districtId,
      mid: midPoint,
    });
  }
  const ctx: PackContext = { pack, index: index ?? new CityIndex(pack), roads, departments: new Map() };
  contexts.set(pack, ctx);
  return ctx;
}

function segmentDistance(px: number, py: number, a: number[], b: number[], kx: number): number {
  const ax = (a[0]! - px) * kx;
  const ay = (a[1]! - py) * M_PER_DEG_LAT;
  const bx = (b[0]! - px) * kx;
  const by = (b[1]! - py) * M_PER_DEG_LAT;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  const x = ax + t * dx;
  const y = ay + t * dy;
  return Math.sqrt(x * x + y * y);
}

/**
 * The loading zone containing the point or within `margin` metres of its outline, or null: the
 * index's `inLoadingZone` at the point and at 16 probes on circles of `margin` and `margin / 2`
 * around it (exact for a margin below the zone's size, as for GPS noise of a few metres).
 */
export function loadingZoneNear(ctx: PackContext, lon: number, lat: number, margin: number): string | null {
  const inside = ctx.index.inLoadingZone(lon, lat);
  if (inside || !(margin > 0)) return inside;
  const kx = metersPerDegLon(lat);
  for (const r of [margin / 2, margin]) {
    for (let k = 0; k < 8; k++) {
      const a = (k * Math.PI) / 4;
      const z = ctx.index.inLoadingZone(lon + (r * Math.cos(a)) / kx, lat + (r * Math.sin(a)) / M_PER_DEG_LAT);
      if (z) return z;
    }
  }
  return null;
}

const BUCKET_DEG = 0.01;

function buildRoadBuckets(pack: CityPack): Map<string, number[]> {
  const buckets = new Map<string, number[]>();
  pack.roads.forEach((r, i) => {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of r.geometry.coordinates) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    for (let bx = Math.floor(x0 / BUCKET_DEG); bx <= Math.floor(x1 / BUCKET_DEG); bx++)
      for (let by = Math.floor(y0 / BUCKET_DEG); by <= Math.floor(y1 / BUCKET_DEG); by++) {
        const k = `${bx},${by}`;
        const list = buckets.get(k);
        if (list) list.push(i);
        else buckets.set(k, [i]);
      }
  });
  return buckets;
}

/** Road segments within `radius` metres of the point, nearest first, at most `max`. */
export function roadsNear(
  ctx: PackContext,
  lon: number,
  lat: number,
  radius: number,
  max = 8,
): Array<{ roadId: string; distanceMeters: number }> {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || !(radius >= 0)) return [];
  ctx.roadBuckets ??= buildRoadBuckets(ctx.pack);
  const kx = metersPerDegLon(lat);
  const dx = radius / kx;
  const dy = radius / M_PER_DEG_LAT;
  const seen = new Set<number>();
  const hits: Array<{ roadId: string; distanceMeters: number }> = [];
  for (let bx = Math.floor((lon - dx) / BUCKET_DEG); bx <= Math.floor((lon + dx) / BUCKET_DEG); bx++)
    for (let by = Math.floor((lat - dy) / BUCKET_DEG); by <= Math.floor((lat + dy) / BUCKET_DEG); by++) {
      for (const i of ctx.roadBuckets.get(`${bx},${by}`) ?? []) {
        if (seen.has(i)) continue;
        seen.add(i);
        const c = ctx.pack.roads[i]!.geometry.coordinates;
        let best = Infinity;
        for (let k = 0; k < c.length - 1; k++) best = Math.min(best, segmentDistance(lon, lat, c[k]!, c[k + 1]!, kx));
        if (best <= radius) hits.push({ roadId: ctx.pack.roads[i]!.id, distanceMeters: best });
      }
    }
  hits.sort((a, b) => a.distanceMeters - b.distanceMeters || (a.roadId < b.roadId ? -1 : 1));
  return hits.slice(0, max);
}

/** The environment a rule runs in: the pack, its index and the rule's parameters (settings over defaults). */
export function ruleEnv(ctx: PackContext, rule: AnyRule, settings: DetectorSettings = {}): RuleEnv {
  const own: RuleSettings = {};
  for (const [name, p] of Object.entries(rule.parameters)) own[name] = p.default;
  Object.assign(own, settings[rule.type] ?? {}, settings[ruleId(rule)] ?? {});
  return {
    index: ctx.index,
    pack: ctx.pack,
    settings: own,
    departments(code) {
      let hit = ctx.departments.get(code);
      if (!hit) {
        const owners = responsibleDepartments(ctx.pack, code);
        hit = { ...(owners.lead ? { lead: owners.lead.id } : {}), assist: owners.assist.map((d) => d.id).slice(0, 20) };
        ctx.departments.set(code, hit);
      }
      return { ...(hit.lead ? { lead: hit.lead } : {}), assist: [...hit.assist] };
    },
    loadingZoneNear: (lon, lat, margin) => loadingZoneNear(ctx, lon, lat, margin),
    road: (id) => ctx.roads.get(id),
    roadsNear: (lon, lat, radius, max) => roadsNear(ctx, lon, lat, radius, max),
  };
}
