import { Category, ErrorCodes, MAX_ID_CHARS, type ErrorCode } from '@cityops/schema';
import { z } from 'zod';
import { parseCsv } from '../csv.js';
import { parseJsonBody } from '../http.js';
import { iso, parseSourceTime } from '../time.js';
import { defineAdapter, type MapContext, type Mapped, type ReceiverRequest } from '../types.js';

/** Logistics GPS feed: CSV with a header row or NDJSON, positions only. Format: README.md here. */
export const GpsOptions = z
  .object({
    /** taxonomy class of the positions (default E.06 交通秩序, as the simulator's vans) */
    category: Category.shape.code.default('E.06'),
    /** unit of the speed column */
    speedUnit: z.enum(['kmh', 'ms']).default('kmh'),
    /** company when the feed has no company column (one feed per logistics platform) */
    company: z.string().min(1).max(MAX_ID_CHARS).optional(),
  })
  .strict();
export type GpsOptions = z.infer<typeof GpsOptions>;

/** Column names of common tracking exports (T-Drive, Porto, Xiamen, Beijing taxi, Chinese platforms), lower-cased. */
const ALIASES = {
  vehicle: [
    'vehicle',
    'vehicle_id',
    'vehicleid',
    'track_id',
    'taxi_id',
    'taxiid',
    'id',
    'device_id',
    'car_id',
    'plate',
    'clbh',
    '车牌号',
    '车辆编号',
  ],
  time: ['time', 'datetime', 'date_time', 'timestamp', 'gps_time', 'gpstime', 'ts', '定位时间', '时间'],
  lon: ['lon', 'lng', 'long', 'longitude', 'jd', '经度'],
  lat: ['lat', 'latitude', 'wd', '纬度'],
  speed: ['speed', 'speed_kmh', 'velocity', 'sudu', '速度'],
  heading: ['heading', 'direction', 'angle', 'bearing', 'course', '方向'],
  company: ['company', 'carrier', 'operator', '公司'],
  parcels: ['parcels', 'parcel_count', 'packages', '件数'],
} as const;
type Field = keyof typeof ALIASES;
const REQUIRED: Field[] = ['vehicle', 'time', 'lon', 'lat'];

const FIELD_OF = new Map<string, Field>(
  Object.entries(ALIASES).flatMap(([f, names]) => names.map((n) => [n, f as Field] as const)),
);
const keyCache = new Map<string, Field | null>();
/** The field a column name stands for (cached: a feed repeats its few names on every row). */
function fieldOf(key: string): Field | null {
  let f = keyCache.get(key);
  if (f === undefined) {
    f = FIELD_OF.get(key.trim().toLowerCase()) ?? null;
    if (keyCache.size < 1_000) keyCache.set(key, f);
  }
  return f;
}

/** The value of `field` in a record under any of its names. */
function pick(rec: Record<string, unknown>, field: Field): unknown {
  for (const k in rec) {
    const v = rec[k];
    if (fieldOf(k) === field && v !== '' && v !== null && v !== undefined) return v;
  }
  return undefined;
}

function num(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : Number.NaN;
}

/**
 * One position record (a CSV row keyed by its header, or an NDJSON / MQTT JSON object) → one
 * `delivery.vehicle` envelope with id `<vehicle>@<epoch ms>`, so a resend dedupes. Exported for MQTT.
 */
export function mapGpsRecord(input: unknown, ctx: MapContext, o: GpsOptions): Mapped[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ ok: false, code: ErrorCodes.ADP_BAD_INPUT, reason: 'a position record must be an object' }];
  }
  const rec = input as Record<string, unknown>;
  const missing = REQUIRED.filter((f) => pick(rec, f) === undefined);
  if (missing.length) {
    return [
      {
        ok: false,
        code: ErrorCodes.ADP_BAD_INPUT,
        reason: `missing ${missing.join(', ')} (columns: ${ALIASES[missing[0]!].join('/')})`,
      },
    ];
  }
  const vehicle = String(pick(rec, 'vehicle')).trim();
  const t = parseSourceTime(pick(rec, 'time'), ctx.timeZone);
  const fail = (code: ErrorCode, reason: string): Mapped[] => [{ ok: false, code, reason }];
  if (vehicle.length === 0 || vehicle.length > 100) return fail(ErrorCodes.ADP_BAD_INPUT, 'vehicle: 1..100 characters');
  if (t === undefined)
    return fail(ErrorCodes.ADP_BAD_TIME, `time: not understood: ${String(pick(rec, 'time')).slice(0, 40)}`);
  const [lon, lat] = [num(pick(rec, 'lon'))!, num(pick(rec, 'lat'))!];
  if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 90))
    return fail(ErrorCodes.ADP_BAD_INPUT, 'lon/lat: not a coordinate');
  if (lon === 0 && lat === 0) return fail(ErrorCodes.ADP_NO_LOCATION, 'lon/lat: 0,0 (the tracker had no fix)');
  const raw = {
    speed: num(pick(rec, 'speed')),
    heading: num(pick(rec, 'heading')),
    parcels: num(pick(rec, 'parcels')),
  };
  const speedKmh = raw.speed === undefined ? undefined : o.speedUnit === 'ms' ? raw.speed * 3.6 : raw.speed;
  if (speedKmh !== undefined && !(speedKmh >= 0 && speedKmh <= 200))
    return fail(ErrorCodes.ADP_BAD_INPUT, 'speed: not in 0..200 km/h');
  if (raw.heading !== undefined && !(raw.heading >= 0 && raw.heading <= 360))
    return fail(ErrorCodes.ADP_BAD_INPUT, 'heading: not in 0..360');
  if (raw.parcels !== undefined && !(Number.isInteger(raw.parcels) && raw.parcels >= 0))
    return fail(ErrorCodes.ADP_BAD_INPUT, 'parcels: not a count');
  const company = pick(rec, 'company') ?? o.company;
  return [
    {
      ok: true,
      event: {
        v: 1,
        id: `${vehicle}@${t}`,
        source: 'logistics-gps',
        type: 'delivery.vehicle',
        eventTime: iso(t),
        location: { lon, lat },
        category: { kind: o.category.startsWith('P') ? 'part' : 'event', code: o.category },
        payload: {
          vehicleId: vehicle,
          ...(company !== undefined ? { company: String(company).slice(0, MAX_ID_CHARS) } : {}),
          ...(speedKmh !== undefined ? { speedKmh: Math.round(speedKmh * 10) / 10 } : {}),
          ...(raw.heading !== undefined ? { headingDeg: raw.heading } : {}),
          ...(raw.parcels !== undefined ? { parcels: raw.parcels } : {}),
        },
      },
    },
  ];
}

const hasColumn = (columns: string[], f: Field) => columns.some((c) => fieldOf(c) === f);

/** CSV unless the content type says JSON or NDJSON; a CSV header without a required column fails whole. */
function parseGps(req: ReceiverRequest) {
  if (/json/i.test(req.contentType)) return parseJsonBody(req);
  return parseCsv(req.body.toString('utf8'), {
    checkHeader: (columns) => {
      const missing = REQUIRED.filter((f) => !hasColumn(columns, f));
      return missing.length
        ? `no column for ${missing.join(', ')} (e.g. ${missing.map((f) => ALIASES[f][0]).join(', ')})`
        : undefined;
    },
  });
}

export const gps = defineAdapter<GpsOptions>({
  name: 'gps',
  description: 'Logistics GPS feed: CSV with a header row (common tracking-export columns) or NDJSON; positions only',
  source: 'logistics-gps',
  options: GpsOptions,
  map: mapGpsRecord,
  http: [{ method: 'POST', path: '/gps', parse: parseGps }],
});
