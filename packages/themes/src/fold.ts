import { DEFAULT_HOTLINE_DEADLINES, deadlineFor, type HotlineDeadlines } from '@cityops/hotline-kpis';
import { ErrorCodes } from '@cityops/schema';
import { ItemBatch, areasOf, type Contributing, type ItemsOutput } from './items.js';
import {
  BIN_CAP,
  CONGESTED_BELOW,
  DEFAULT_DEVICE_INTERVAL_MS,
  DEVICE_INTERVAL_MS,
  FRESH_MS,
  KNOWN_MS,
  LIGHT_OUT_W,
  NOISE_LIMIT_DAY,
  NOISE_LIMIT_NIGHT,
  PM25_LIMIT,
  RECEIVED_WINDOW_MS,
  SPEED_INDEX_CAP,
  TICKET_FORGET_MS,
  WATER_ALARM_CM,
} from './settings.js';
import { isDark, isNoiseDay } from './time.js';

/** The record shape the folds read (a `ConsumedRecord` of the bus fits). */
export interface FoldRecord {
  offset: number;
  value: string;
}

export interface ThemesFoldInput {
  records: readonly FoldRecord[];
  watermark: number | null;
  state: ReadonlyMap<string, string>;
}

/** What the folds return (a `FoldOutput` of the stream runtime fits). */
export interface ThemesFoldOutput extends ItemsOutput {
  watermark: number | null;
  dropped: Record<string, number>;
  outgoing: Array<{ topic: string; key: string | null; value: string }>;
}

export interface RoadInfo {
  roadClass: string;
  speedLimitKmh: number;
}

export interface ThemesFoldOptions {
  /** the city's IANA time zone (`pack.meta.timeZone`): dark, and the noise limit by day or night */
  timeZone: string;
  /** the pack's road segments: class and limit of a traffic detector's `roadSegmentId` */
  roads: ReadonlyMap<string, RoadInfo>;
  allowedLatenessMs: number;
  /** where vehicle positions are repartitioned by vehicle for the logistics fold */
  vanTopic: string;
  /** the pack's 接诉即办 deadlines (`hotlineDeadlines`); packages/hotline-kpis' defaults without */
  deadlines?: HotlineDeadlines;
}

interface SensorItem extends Contributing {
  k: string;
  /** last message of any kind (event time) */
  t: number;
  /** time and value of the latest reading */
  vt?: number;
  v?: number;
  /** the latest message was the platform's `offline` notice */
  off?: 1;
  seg?: string;
}

interface TicketItem extends Contributing {
  c?: string;
  /** first stage seen (for forgetting) */
  f: number;
  r?: number;
  rp?: number;
  rv?: number;
}

/** A forwarded vehicle fix, keyed by vehicle on the van topic. */
export interface VanFix {
  id: string;
  t: number;
  x: number;
  y: number;
  d?: string;
  st?: string;
  p?: number;
}

interface Parsed {
  t: number;
  type: string;
  loc: Record<string, unknown>;
  category?: string;
  payload: Record<string, unknown>;
}

function parse(value: string): Parsed | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const t = typeof o.eventTime === 'string' ? Date.parse(o.eventTime) : NaN;
  if (!Number.isFinite(t) || typeof o.type !== 'string') return undefined;
  const loc = (typeof o.location === 'object' && o.location !== null ? o.location : {}) as Record<string, unknown>;
  const payload = (typeof o.payload === 'object' && o.payload !== null ? o.payload : {}) as Record<string, unknown>;
  const cat = o.category as { code?: unknown } | undefined;
  return { t, type: o.type, loc, payload, ...(typeof cat?.code === 'string' ? { category: cat.code } : {}) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The themes fold over `city.events.v1` (one partition's records): sensors and tickets as keyed
 * items moving their areas' gauges, vehicle fixes forwarded by vehicle to `vanTopic` (a van
 * crosses grid cells, so partitions of the event topic do not see all of its fixes). Late events
 * (beyond the allowed lateness behind the partition's watermark) are dropped and counted like the
 * counting stage does; records that are not events are counted under E_EVT_SCHEMA (the counting
 * stage dead-letters them).
 */
export function foldThemes(input: ThemesFoldInput, opts: ThemesFoldOptions): ThemesFoldOutput {
  const items = new ItemBatch(input.state);
  const dropped: Record<string, number> = {};
  const outgoing: ThemesFoldOutput['outgoing'] = [];
  const drop = (code: string) => (dropped[code] = (dropped[code] ?? 0) + 1);
  let watermark = input.watermark;
  for (const record of input.records) {
    const e = parse(record.value);
    if (!e) {
      drop(ErrorCodes.EVT_SCHEMA);
      continue;
    }
    if (watermark !== null && e.t < watermark - opts.allowedLatenessMs) {
      drop(ErrorCodes.EVT_TOO_LATE);
      continue;
    }
    if (watermark === null || e.t > watermark) watermark = e.t;
    const areas = areasOf(str(e.loc.districtId), str(e.loc.streetId));
    if (e.type === 'sensor.reading') sensorReading(items, e, areas);
    else if (e.type === 'hotline.ticket') ticketStage(items, e, areas);
    else if (e.type === 'delivery.vehicle') {
      const id = str(e.payload.vehicleId);
      const x = e.loc.lon;
      const y = e.loc.lat;
      if (id === undefined || typeof x !== 'number' || typeof y !== 'number') continue;
      const fix: VanFix = { id, t: e.t, x, y };
      if (str(e.loc.districtId)) fix.d = str(e.loc.districtId)!;
      if (str(e.loc.streetId)) fix.st = str(e.loc.streetId)!;
      if (typeof e.payload.parcels === 'number') fix.p = e.payload.parcels;
      outgoing.push({ topic: opts.vanTopic, key: id, value: JSON.stringify(fix) });
    }
  }
  const deadlines = opts.deadlines ?? DEFAULT_HOTLINE_DEADLINES;
  const last = input.records.at(-1);
  const out = items.finish(watermark, String(last ? last.offset + 1 : 0), (key, item, w) =>
    key.startsWith('s:')
      ? evaluateSensor(item as SensorItem, w, opts)
      : key.startsWith('t:')
        ? evaluateTicket(item as TicketItem, w, deadlines)
        : item,
  );
  return { ...out, watermark, dropped, outgoing };
}

function sensorReading(items: ItemBatch, e: Parsed, areas: string[]): void {
  const id = str(e.payload.sensorId);
  const kind = str(e.payload.kind);
  const value = e.payload.value;
  if (id === undefined || kind === undefined || typeof value !== 'number') return;
  const key = `s:${id}`;
  const old = items.get<SensorItem>(key);
  const item: SensorItem = old ?? { a: areas, m: {}, u: null, k: kind, t: e.t };
  const status = e.payload.status;
  // a battery heartbeat (unit %) says the device is alive but is not a reading of what it measures
  const isReading = status !== 'offline' && e.payload.unit !== '%';
  if (!old || e.t >= item.t) {
    item.t = e.t;
    item.a = areas;
    item.k = kind;
    if (status === 'offline') item.off = 1;
    else delete item.off;
  }
  if (isReading && (item.vt === undefined || e.t >= item.vt)) {
    item.vt = e.t;
    item.v = value;
  }
  const seg = str(e.loc.roadSegmentId);
  if (seg !== undefined) item.seg = seg;
  items.put(key, item);
}

function ticketStage(items: ItemBatch, e: Parsed, areas: string[]): void {
  const id = str(e.payload.ticketId);
  const stage = e.payload.stage;
  if (id === undefined) return;
  const key = `t:${id}`;
  const old = items.get<TicketItem>(key);
  const item: TicketItem = old ?? { a: areas, m: {}, u: null, f: e.t };
  if (e.t < item.f) item.f = e.t;
  const earliest = (prev: number | undefined) => (prev === undefined ? e.t : Math.min(prev, e.t));
  if (stage === 'received') {
    item.r = earliest(item.r);
    item.a = areas;
    if (e.category !== undefined) item.c = e.category;
  } else if (stage === 'responded') item.rp = earliest(item.rp);
  else if (stage === 'resolved') item.rv = earliest(item.rv);
  else if (stage !== 'dispatched' && stage !== 'callback') return;
  items.put(key, item);
}

const CLASS_NAMES = new Map<string, { n: string; i: string; c: string }>();
function classNames(roadClass: string): { n: string; i: string; c: string } {
  let n = CLASS_NAMES.get(roadClass);
  if (!n) {
    n = { n: `ts.n:${roadClass}`, i: `ts.i:${roadClass}`, c: `ts.c:${roadClass}` };
    if (CLASS_NAMES.size < 1000) CLASS_NAMES.set(roadClass, n);
  }
  return n;
}

const DEVICE_NAMES = new Map<string, { known: string; reporting: string }>();
function deviceNames(kind: string): { known: string; reporting: string } {
  let n = DEVICE_NAMES.get(kind);
  if (!n) {
    n = { known: `dv.k:${kind}`, reporting: `dv.r:${kind}` };
    if (DEVICE_NAMES.size < 1000) DEVICE_NAMES.set(kind, n);
  }
  return n;
}

/** What a sensor contributes at watermark `w` (see the catalogue's definitions). */
export function evaluateSensor(s: SensorItem, w: number, opts: Pick<ThemesFoldOptions, 'roads' | 'timeZone'>) {
  if (s.t + KNOWN_MS <= w) return null;
  const iv = DEVICE_INTERVAL_MS[s.k] ?? DEFAULT_DEVICE_INTERVAL_MS;
  const names = deviceNames(s.k);
  // per kind only: the all-kinds figure is their sum, made when the snapshot is read
  const m: Record<string, number> = { [names.known]: 1 };
  let due = s.t + KNOWN_MS;
  if (!s.off && s.t + 2 * iv > w) {
    m[names.reporting] = 1;
    due = Math.min(due, s.t + 2 * iv);
  }
  if (!s.off && s.vt !== undefined && s.v !== undefined && s.vt + FRESH_MS > w) {
    due = Math.min(due, s.vt + FRESH_MS);
    valueMeasures(s, s.v, s.vt, m, opts);
  }
  s.m = m;
  s.u = due;
  return s;
}

function valueMeasures(
  s: SensorItem,
  v: number,
  vt: number,
  m: Record<string, number>,
  opts: Pick<ThemesFoldOptions, 'roads' | 'timeZone'>,
): void {
  switch (s.k) {
    case 'traffic_speed': {
      const road = s.seg === undefined ? undefined : opts.roads.get(s.seg);
      if (!road || !(road.speedLimitKmh > 0)) return;
      const idx = Math.round(Math.min(v / road.speedLimitKmh, SPEED_INDEX_CAP) * 1000);
      // by road class only: the all-classes figure is their sum, made when the snapshot is read
      const q = classNames(road.roadClass);
      m[q.n] = 1;
      if (idx) m[q.i] = idx;
      if (v < CONGESTED_BELOW * road.speedLimitKmh) m[q.c] = 1;
      return;
    }
    case 'water_level':
      m['wl.n'] = 1;
      if (v >= WATER_ALARM_CM) m['wl.a'] = 1;
      m[binName('wl.b:', v, BIN_CAP.wl)] = 1;
      return;
    case 'air_quality':
      m['pm.n'] = 1;
      if (Math.round(v * 10)) m['pm.s'] = Math.round(v * 10);
      if (v > PM25_LIMIT) m['pm.o'] = 1;
      m[binName('pm.b:', v, BIN_CAP.pm)] = 1;
      return;
    case 'noise':
      m['ns.n'] = 1;
      if (Math.round(v * 10)) m['ns.s'] = Math.round(v * 10);
      if (v > (isNoiseDay(vt, opts.timeZone) ? NOISE_LIMIT_DAY : NOISE_LIMIT_NIGHT)) m['ns.o'] = 1;
      m[binName('ns.b:', v, BIN_CAP.ns)] = 1;
      return;
    case 'street_light':
      if (!isDark(vt, opts.timeZone)) return;
      m['sl.n'] = 1;
      if (v <= LIGHT_OUT_W) m['sl.o'] = 1;
      return;
  }
}

/** bin names made once (`wl.b:31` ...), not once per reading */
const BIN_NAMES = new Map<string, string[]>();
function binName(prefix: string, v: number, cap: number): string {
  let names = BIN_NAMES.get(prefix);
  if (!names) BIN_NAMES.set(prefix, (names = Array.from({ length: cap + 1 }, (_, i) => `${prefix}${i}`)));
  return names[Math.max(0, Math.min(cap, Math.floor(v)))]!;
}

/** What a ticket contributes at watermark `w`: received in the last 24 h, open, overdue. */
export function evaluateTicket(tk: TicketItem, w: number, d: HotlineDeadlines) {
  if (tk.f + TICKET_FORGET_MS <= w) return null;
  const m: Record<string, number> = {};
  const due = [tk.f + TICKET_FORGET_MS];
  if (tk.r !== undefined) {
    if (tk.r + RECEIVED_WINDOW_MS > w) {
      m['hl.r'] = 1;
      due.push(tk.r + RECEIVED_WINDOW_MS);
    }
    if (tk.rv === undefined) {
      m['hl.o'] = 1;
      const { respondMs, resolveMs } = deadlineFor(tk.c, d);
      const respondBy = tk.rp === undefined ? tk.r + respondMs : Infinity;
      const resolveBy = tk.r + resolveMs;
      if (w >= respondBy || w >= resolveBy) m['hl.x'] = 1;
      for (const at of [respondBy, resolveBy]) if (at > w && Number.isFinite(at)) due.push(at);
    }
  }
  tk.m = m;
  tk.u = Math.min(...due);
  return tk;
}
