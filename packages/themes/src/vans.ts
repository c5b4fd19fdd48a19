import { ErrorCodes } from '@cityops/schema';
import { ItemBatch, areasOf, type Contributing } from './items.js';
import type { ThemesFoldInput, ThemesFoldOutput, VanFix } from './fold.js';
import { LOGISTICS_WINDOW_MS, STAND_RADIUS_M, STOP_MIN_MS } from './settings.js';

/** Where a stop is: in a loading zone, on the carriageway (near a road segment), or off the road. */
export type StopPlace = 'lz' | 'cw' | 'off';

export interface VansFoldOptions {
  allowedLatenessMs: number;
  /** classifies a standing point (the pack's loading zones and roads: CityIndex) */
  placeOf(lon: number, lat: number): StopPlace;
}

interface VanItem extends Contributing {
  t: number;
  /** where and since when it stands (the anchor), and whether that stop was counted */
  ax: number;
  ay: number;
  at: number;
  s: 0 | 1;
  /** a fix away from the anchor not confirmed yet (one GPS outlier must not end a stop) */
  cx?: number;
  cy?: number;
  ct?: number;
  p?: number;
  /** its feed says how many parcels are on board */
  pf?: 1;
}

interface StopItem extends Contributing {
  t: number;
  z: StopPlace;
}

interface ParcelItem extends Contributing {
  t: number;
  n: number;
}

/** metres between two points (equirectangular; fine over a few hundred metres) */
export function metres(x1: number, y1: number, x2: number, y2: number): number {
  const dx = (x2 - x1) * Math.cos((((y1 + y2) / 2) * Math.PI) / 180) * 111_320;
  const dy = (y2 - y1) * 110_540;
  return Math.sqrt(dx * dx + dy * dy);
}

function parseFix(value: string): VanFix | undefined {
  try {
    const f = JSON.parse(value) as VanFix;
    return typeof f.id === 'string' && Number.isFinite(f.t) && Number.isFinite(f.x) && Number.isFinite(f.y)
      ? f
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The logistics fold over the van topic (fixes repartitioned by vehicle, so one van's fixes are in
 * order on one partition). Realistic feeds are positions only, so what it derives is:
 * - a van is active while its latest fix is under 15 min old (counted where that fix is);
 * - a stop: the van's fixes stay within 40 m of where it stood for 2 min or more (a single fix
 *   farther away is taken as a GPS outlier unless the next one is far too); the stop is counted
 *   when it reaches 2 min, for 15 min, as in a loading zone, on the carriageway (within 25 m of a
 *   road segment) or off the road (neither: a depot, a car park; not counted in either);
 * - parcels delivered: only where the feed says how many are on board (the drop between fixes).
 */
export function foldVans(input: ThemesFoldInput, opts: VansFoldOptions): ThemesFoldOutput {
  const items = new ItemBatch(input.state);
  const dropped: Record<string, number> = {};
  let watermark = input.watermark;
  for (const record of input.records) {
    const f = parseFix(record.value);
    if (!f) {
      dropped[ErrorCodes.EVT_SCHEMA] = (dropped[ErrorCodes.EVT_SCHEMA] ?? 0) + 1;
      continue;
    }
    if (watermark !== null && f.t < watermark - opts.allowedLatenessMs) {
      dropped[ErrorCodes.EVT_TOO_LATE] = (dropped[ErrorCodes.EVT_TOO_LATE] ?? 0) + 1;
      continue;
    }
    if (watermark === null || f.t > watermark) watermark = f.t;
    fix(items, f, opts);
  }
  const last = input.records.at(-1);
  const out = items.finish(watermark, String(last ? last.offset + 1 : 0), (key, item, w) => {
    if (key.startsWith('v:')) {
      const v = item as VanItem;
      if (v.t + LOGISTICS_WINDOW_MS <= w) return null;
      v.m = v.pf ? { 'lg.v': 1, 'lg.pf': 1 } : { 'lg.v': 1 };
      v.u = v.t + LOGISTICS_WINDOW_MS;
      return v;
    }
    const timed = item as StopItem | ParcelItem;
    if (timed.t + LOGISTICS_WINDOW_MS <= w) return null;
    timed.m = 'z' in timed ? (timed.z === 'off' ? {} : { [`lg.${timed.z}`]: 1 }) : { 'lg.pd': timed.n };
    timed.u = timed.t + LOGISTICS_WINDOW_MS;
    return timed;
  });
  return { ...out, watermark, dropped, outgoing: [] };
}

function fix(items: ItemBatch, f: VanFix, opts: VansFoldOptions): void {
  const key = `v:${f.id}`;
  const areas = areasOf(f.d, f.st);
  const old = items.get<VanItem>(key);
  // an older fix changes nothing about where the van is now; one at the same instant is a copy (a
  // rebuilt upstream stage forwards its fixes again), which must not count as a second fix
  if (old && f.t <= old.t) return;
  if (!old) {
    const v: VanItem = { a: areas, m: {}, u: null, t: f.t, ax: f.x, ay: f.y, at: f.t, s: 0 };
    if (f.p !== undefined) {
      v.p = f.p;
      v.pf = 1;
    }
    items.put(key, v);
    return;
  }
  const v = old;
  v.a = areas;
  v.t = f.t;
  if (metres(v.ax, v.ay, f.x, f.y) <= STAND_RADIUS_M) {
    delete v.cx;
    delete v.cy;
    delete v.ct;
  } else if (v.ct === undefined) {
    v.cx = f.x;
    v.cy = f.y;
    v.ct = f.t;
  } else {
    // two fixes away from the anchor: it moved; it stands where the first of them was if this one is there too
    const stayed = metres(v.cx!, v.cy!, f.x, f.y) <= STAND_RADIUS_M;
    v.ax = stayed ? v.cx! : f.x;
    v.ay = stayed ? v.cy! : f.y;
    v.at = stayed ? v.ct : f.t;
    v.s = 0;
    delete v.cx;
    delete v.cy;
    delete v.ct;
  }
  if (!v.s && v.ct === undefined && f.t - v.at >= STOP_MIN_MS) {
    v.s = 1;
    const stop: StopItem = { a: areas, m: {}, u: null, t: f.t, z: opts.placeOf(v.ax, v.ay) };
    items.put(`p:${f.id}:${f.t}`, stop);
  }
  if (f.p !== undefined) {
    if (v.p !== undefined && f.p < v.p) {
      const parcels: ParcelItem = { a: areas, m: {}, u: null, t: f.t, n: v.p - f.p };
      items.put(`q:${f.id}:${f.t}`, parcels);
    }
    v.p = f.p;
    v.pf = 1;
  }
  items.put(key, v);
}
