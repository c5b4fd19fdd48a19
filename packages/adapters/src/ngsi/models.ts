import { createHash } from 'node:crypto';
import { ErrorCodes, MAX_ID_CHARS, type ErrorCode, type SensorKind } from '@cityops/schema';
import type { MapContext, Mapped } from '../types.js';
import { attr, readLocation, type Attr, type Entity, type LonLat } from './entity.js';
import { parseSourceTime } from './time.js';

/** Envelope `source` of everything this adapter sends. */
export const NGSI_SOURCE = 'ngsi';

export interface NgsiOptions {
  /** SDM `vehicleType` values that are delivery vehicles */
  deliveryVehicleTypes: string[];
  /** SDM Vehicle `category` values that are never delivery vehicles (refuse lorries, buses ...) */
  excludeVehicleCategories: string[];
  /** unit of FloodMonitoring `currentLevel` when the attribute has no unitCode */
  waterLevelUnit: 'm' | 'cm' | 'mm';
}

type Status = 'ok' | 'alarm';

interface Measure {
  attr: string;
  /** unit code → factor and envelope unit; `default` for an attribute without a unitCode */
  units: Record<string, [number, string]>;
}

interface Rule {
  kind: SensorKind;
  /** Smart Data Model types this rule is for; other types fall back to the first rule whose attribute they carry */
  types: string[];
  measures: Measure[];
  status?(e: Entity): Status;
}

const KMH: Measure['units'] = { default: [1, 'km/h'], KMH: [1, 'km/h'], MTS: [3.6, 'km/h'] };
const DB: Measure['units'] = { default: [1, 'dB'], '2N': [1, 'dB'] };
const UGM3: Measure['units'] = { default: [1, 'ug/m3'], GQ: [1, 'ug/m3'], GP: [1000, 'ug/m3'] };
const WATER: Record<NgsiOptions['waterLevelUnit'], number> = { m: 100, cm: 1, mm: 0.1 };

function textOf(e: Entity, name: string): string | undefined {
  const v = attr(e, name)?.value;
  return typeof v === 'string' ? v : undefined;
}

const RULES: Rule[] = [
  { kind: 'traffic_speed', types: ['TrafficFlowObserved'], measures: [{ attr: 'averageVehicleSpeed', units: KMH }] },
  {
    kind: 'noise',
    types: ['NoiseLevelObserved'],
    measures: ['LAeq', 'LAS', 'LAmax'].map((a) => ({ attr: a, units: DB })),
  },
  {
    kind: 'air_quality',
    types: ['AirQualityObserved'],
    measures: [
      { attr: 'pm25', units: UGM3 },
      { attr: 'pm10', units: UGM3 },
      { attr: 'airQualityIndex', units: { default: [1, 'AQI'] } },
    ],
  },
  {
    kind: 'water_level',
    types: ['FloodMonitoring'],
    measures: [
      {
        attr: 'currentLevel',
        units: { default: [Number.NaN, 'cm'], MTR: [100, 'cm'], CMT: [1, 'cm'], MMT: [0.1, 'cm'] },
      },
    ],
    status: (e) => (/^(danger|alert)$/i.test(textOf(e, 'floodLevelStatus') ?? '') ? 'alarm' : 'ok'),
  },
];

/** Streetlight `status` values that say the lamp is broken (a hint: decision 11) */
const LAMP_FAULTS = new Set(['defectiveLamp', 'columnIssue', 'brokenLantern']);
const POWER: Record<string, number> = { on: 1, bootingUp: 1, low: 1, off: 0 };

/** Types with no sensor kind or payload in envelope v1: dead-lettered with a reason that says what they held. */
const UNSUPPORTED: Record<string, (e: Entity) => string> = {
  ParkingSpot: (e) => `status ${JSON.stringify(textOf(e, 'status') ?? null)}`,
  OffStreetParking: (e) => spots(e),
  OnStreetParking: (e) => spots(e),
  WaterQualityObserved: (e) =>
    ['pH', 'temperature', 'conductivity', 'O2', 'NO3']
      .filter((a) => typeof attr(e, a)?.value === 'number')
      .map((a) => `${a} ${String(attr(e, a)?.value)}`)
      .join(', ') || 'no measurements',
};

function spots(e: Entity): string {
  const free = attr(e, 'availableSpotNumber')?.value;
  const total = attr(e, 'totalSpotNumber')?.value;
  return `${String(free ?? '?')} of ${String(total ?? '?')} spots free`;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && /^[-+]?[\d.eE+-]+$/.test(v.trim())) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** An id within the envelope's limit: long ids keep a readable head and a hash of the whole. */
export function boundedId(id: string, max = MAX_ID_CHARS): string {
  if (id.length <= max) return id;
  const h = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${id.slice(0, max - 17)}~${h}`;
}

const ENTITY_TIMES = ['dateObserved', 'dateObservedTo', 'observationDateTime', 'dateModified', 'modifiedAt'];

type TimeRead = { ok: true; ms: number } | { ok: false; reason: string };

/**
 * Event time: the measured attribute's own `observedAt` / metadata timestamp, else the entity's
 * dateObserved (an interval's end), dateObservedTo, observationDateTime, dateModified, else the
 * notification time. The first present time must parse (never skipped); when it has no offset and
 * a later one has (SDM examples write `dateObserved` bare and `dateObservedTo` in UTC), the one
 * with the offset wins, since a bare time is only a guess in the pack's zone.
 */
function eventTime(e: Entity, measured: Attr | undefined, notifiedAt: number, ctx: MapContext): TimeRead {
  const candidates: [string, unknown][] = [];
  if (measured?.observedAt !== undefined) candidates.push(['observedAt', measured.observedAt]);
  for (const name of ENTITY_TIMES) {
    const a = attr(e, name);
    if (a !== undefined) candidates.push([name, a.value]);
  }
  if (candidates.length === 0) return { ok: true, ms: notifiedAt };
  const [name, v] = candidates[0]!;
  const ms = typeof v === 'string' ? parseSourceTime(v, ctx.timeZone) : undefined;
  if (ms === undefined) return { ok: false, reason: `${name} ${JSON.stringify(v)} is not an ISO 8601 time` };
  if (hasOffset(v as string)) return { ok: true, ms };
  for (const [, later] of candidates.slice(1)) {
    if (typeof later !== 'string' || !hasOffset(later)) continue;
    const lms = parseSourceTime(later, ctx.timeZone);
    if (lms !== undefined) return { ok: true, ms: lms };
  }
  return { ok: true, ms };
}

function hasOffset(t: string): boolean {
  return /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(t.trim());
}

function where(e: Entity, ctx: MapContext): { ok: true; at: LonLat } | { ok: false; mapped: Mapped } {
  const loc = readLocation(e);
  if (loc.ok === true) return loc;
  if (loc.ok === false) return { ok: false, mapped: reject(ErrorCodes.ADP_BAD_INPUT, e, loc.reason) };
  const short = e.id.replace(/^urn:ngsi-ld:[^:]+:/, '');
  const known = ctx.devicePosition(e.id) ?? (short !== e.id ? ctx.devicePosition(short) : undefined);
  if (known) return { ok: true, at: { lon: known.lon, lat: known.lat } };
  return {
    ok: false,
    mapped: reject(ErrorCodes.ADP_NO_LOCATION, e, 'no "location" and the device registry does not know this id'),
  };
}

function reject(code: ErrorCode, e: Entity, why: string): Mapped {
  return { ok: false, code, reason: `${e.type} ${e.id}: ${why}`, id: boundedId(e.id) };
}

interface Reading {
  kind: SensorKind;
  value: number;
  unit: string;
  status: Status;
  measured: Attr | undefined;
}

function streetLight(e: Entity): Reading | string | undefined {
  const status: Status = LAMP_FAULTS.has(textOf(e, 'status') ?? '') ? 'alarm' : 'ok';
  const ps = attr(e, 'powerState');
  if (ps !== undefined) {
    const v = typeof ps.value === 'string' ? POWER[ps.value] : undefined;
    if (v === undefined) return `powerState ${JSON.stringify(ps.value)} is not one of on, off, low, bootingUp`;
    return { kind: 'street_light', value: v, unit: 'on/off', status, measured: ps };
  }
  const il = attr(e, 'illuminanceLevel');
  const v = num(il?.value);
  if (il !== undefined && v !== undefined)
    return { kind: 'street_light', value: v * 100, unit: '%', status, measured: il };
  return undefined;
}

function byRule(e: Entity, rule: Rule, o: NgsiOptions): Reading | string | undefined {
  for (const m of rule.measures) {
    const a = attr(e, m.attr);
    if (a === undefined) continue;
    const v = num(a.value);
    if (v === undefined) return `${m.attr} ${JSON.stringify(a.value)} is not a number`;
    const conv = m.units[a.unitCode ?? 'default'];
    if (!conv)
      return `${m.attr} has unitCode ${JSON.stringify(a.unitCode)}, not one of ${Object.keys(m.units).join(', ')}`;
    const factor = Number.isNaN(conv[0]) ? WATER[o.waterLevelUnit] : conv[0];
    return {
      kind: rule.kind,
      value: Math.round(v * factor * 1e6) / 1e6,
      unit: conv[1],
      status: rule.status?.(e) ?? 'ok',
      measured: a,
    };
  }
  return undefined;
}

/** The sensor reading an entity carries: by its type's rule, else by the first known attribute it has. */
function reading(e: Entity, o: NgsiOptions): Reading | string | undefined {
  if (e.type === 'Streetlight') return streetLight(e);
  const own = RULES.find((r) => r.types.includes(e.type));
  if (own) return byRule(e, own, o) ?? `none of ${own.measures.map((m) => m.attr).join(', ')} present`;
  for (const r of RULES) {
    const got = byRule(e, r, o);
    if (got !== undefined) return got;
  }
  return streetLight(e);
}

function isDelivery(e: Entity, o: NgsiOptions): boolean {
  const vt = attr(e, 'vehicleType')?.value;
  const cat = attr(e, 'category')?.value;
  const cats = Array.isArray(cat) ? cat : typeof cat === 'string' ? [cat] : [];
  return (
    typeof vt === 'string' &&
    o.deliveryVehicleTypes.includes(vt) &&
    !cats.some((c) => typeof c === 'string' && o.excludeVehicleCategories.includes(c))
  );
}

/** One entity → one outcome. `notifiedAt` is the notification's time (or the host clock). */
export function mapEntity(e: Entity, ctx: MapContext, o: NgsiOptions, notifiedAt: number): Mapped {
  const unsupported = UNSUPPORTED[e.type];
  if (unsupported) {
    return reject(
      ErrorCodes.ADP_UNSUPPORTED_TYPE,
      e,
      `envelope v1 has no kind for ${e.type} (${unsupported(e)}); see the ngsi README`,
    );
  }
  if (e.type === 'Vehicle') return mapVehicle(e, ctx, o, notifiedAt);
  const r = reading(e, o);
  if (r === undefined) {
    return reject(ErrorCodes.ADP_UNSUPPORTED_TYPE, e, 'no attribute this adapter maps to a sensor kind (see README)');
  }
  if (typeof r === 'string') return reject(ErrorCodes.ADP_BAD_INPUT, e, r);
  const t = eventTime(e, r.measured, notifiedAt, ctx);
  if (!t.ok) return reject(ErrorCodes.ADP_BAD_TIME, e, t.reason);
  const loc = where(e, ctx);
  if (!loc.ok) return loc.mapped;
  const eventTimeIso = new Date(t.ms).toISOString();
  return {
    ok: true,
    event: {
      v: 1,
      id: boundedId(`${e.id}@${eventTimeIso}`),
      source: NGSI_SOURCE,
      type: 'sensor.reading',
      eventTime: eventTimeIso,
      location: { lon: loc.at.lon, lat: loc.at.lat },
      category: ctx.category(e.type).category,
      payload: { sensorId: boundedId(e.id), kind: r.kind, value: r.value, unit: r.unit, status: r.status },
    },
  };
}

function mapVehicle(e: Entity, ctx: MapContext, o: NgsiOptions, notifiedAt: number): Mapped {
  if (!isDelivery(e, o)) {
    const vt = attr(e, 'vehicleType')?.value;
    const cat = attr(e, 'category')?.value;
    return reject(
      ErrorCodes.ADP_UNSUPPORTED_TYPE,
      e,
      `not a delivery vehicle (vehicleType ${JSON.stringify(vt ?? null)}, category ${JSON.stringify(cat ?? null)}); ` +
        'only delivery vans become delivery.vehicle (options deliveryVehicleTypes, excludeVehicleCategories)',
    );
  }
  const locAttr = attr(e, 'location');
  const t = eventTime(e, locAttr, notifiedAt, ctx);
  if (!t.ok) return reject(ErrorCodes.ADP_BAD_TIME, e, t.reason);
  const loc = where(e, ctx);
  if (!loc.ok) return loc.mapped;
  const speed = num(attr(e, 'speed')?.value);
  const bearing = num(attr(e, 'bearing')?.value ?? attr(e, 'heading')?.value);
  const owner = attr(e, 'owner')?.value;
  const company =
    typeof owner === 'string' ? owner : Array.isArray(owner) && typeof owner[0] === 'string' ? owner[0] : undefined;
  const eventTimeIso = new Date(t.ms).toISOString();
  return {
    ok: true,
    event: {
      v: 1,
      id: boundedId(`${e.id}@${eventTimeIso}`),
      source: NGSI_SOURCE,
      type: 'delivery.vehicle',
      eventTime: eventTimeIso,
      location: { lon: loc.at.lon, lat: loc.at.lat },
      category: ctx.category(e.type).category,
      // positions only: speed and heading are what the tracker says (-1 means unknown in SDM), never a state
      payload: {
        vehicleId: boundedId(e.id),
        ...(speed !== undefined && speed >= 0 && speed <= 200 ? { speedKmh: speed } : {}),
        ...(bearing !== undefined && bearing >= 0 && bearing <= 360 ? { headingDeg: bearing } : {}),
        ...(company !== undefined && company.length > 0 ? { company: boundedId(company) } : {}),
      },
    },
  };
}
