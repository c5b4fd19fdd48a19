import { CityIndex, pointInGeometry, responsibleDepartments, type CityPack, type LoadingZone } from '@cityops/city';
import type { AnyRule, RuleEnv, RuleSettings } from './rules/rule.js';
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

interface RoadInfo {
  id: string;
  name: string;
  speedLimitKmh: number;
  districtId: string;
  mid: [number, number];
}

/** What every rule of one pack shares: the index, zones with their boxes, roads by id. Built once per pack. */
export interface PackContext {
  pack: CityPack;
  index: CityIndex;
  zones: LoadingZone[];
  zoneBox: Float64Array;
  roads: Map<string, RoadInfo>;
  departments: Map<string, { lead?: string; assist: string[] }>;
}

const contexts = new WeakMap<CityPack, PackContext>();

export function packContext(pack: CityPack, index?: CityIndex): PackContext {
  const hit = contexts.get(pack);
  if (hit) return hit;
  const zones = pack.loadingZones;
  const zoneBox = new Float64Array(zones.length * 4);
  zones.forEach((z, i) => {
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const ring of z.geometry.coordinates)
      for (const [x, y] of ring) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    zoneBox.set([x0, y0, x1, y1], i * 4);
  });
  const roads = new Map<string, RoadInfo>();
  for (const r of pack.roads) {
    const c = r.geometry.coordinates;
    const mid = c[Math.floor(c.length / 2)] ?? c[0]!;
    const midPoint: [number, number] =
      c.length === 2 ? [(c[0]![0] + c[1]![0]) / 2, (c[0]![1] + c[1]![1]) / 2] : [mid[0], mid[1]];
    roads.set(r.id, {
      id: r.id,
      name: r.name,
      speedLimitKmh: r.speedLimitKmh,
      districtId: r.districtId,
      mid: midPoint,
    });
  }
  const ctx: PackContext = { pack, index: index ?? new CityIndex(pack), zones, zoneBox, roads, departments: new Map() };
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

/** The loading zone containing the point or within `margin` metres of its outline, or null. */
export function loadingZoneNear(ctx: PackContext, lon: number, lat: number, margin: number): string | null {
  const inside = ctx.index.inLoadingZone(lon, lat);
  if (inside || !(margin > 0)) return inside;
  const kx = metersPerDegLon(lat);
  const mx = margin / kx;
  const my = margin / M_PER_DEG_LAT;
  const b = ctx.zoneBox;
  for (let i = 0; i < ctx.zones.length; i++) {
    const o = i * 4;
    if (lon < b[o]! - mx || lon > b[o + 2]! + mx || lat < b[o + 1]! - my || lat > b[o + 3]! + my) continue;
    const z = ctx.zones[i]!;
    if (pointInGeometry(lon, lat, z.geometry)) return z.id;
    for (const ring of z.geometry.coordinates)
      for (let k = 0; k < ring.length - 1; k++)
        if (segmentDistance(lon, lat, ring[k]!, ring[k + 1]!, kx) <= margin) return z.id;
  }
  return null;
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
  };
}
