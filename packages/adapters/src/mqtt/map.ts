import { createHash } from 'node:crypto';
import { ErrorCodes, MAX_ID_CHARS, SensorKind, type CityEventInput } from '@cityops/schema';
import type { MapContext, Mapped } from '../types.js';
import type { KindRule, MqttFormat, MqttOptions } from './options.js';
import { resolveSenml, type ResolvedRecord } from './senml.js';
import { topicMatches } from './topics.js';

/** What the subscription hands to map(): the topic and the payload as text (UTF-8). */
export interface MqttInput {
  topic: string;
  payload: string;
}

type Sensor = SensorKind;
const STATUSES = new Set(['ok', 'alarm', 'offline', 'heartbeat']);

/** The format of the first configured filter the topic matches, and the filter. */
export function formatOf(
  topic: string,
  options: Pick<MqttOptions, 'topics'>,
): { format: MqttFormat; filter: string } | undefined {
  const t = options.topics.find((x) => topicMatches(x.filter, topic));
  return t ? { format: t.format, filter: t.filter } : undefined;
}

const bad = (reason: string, id?: string): Mapped => ({
  ok: false,
  code: ErrorCodes.ADP_BAD_INPUT,
  reason,
  ...(id === undefined ? {} : { id }),
});

/**
 * An id of at most MAX_ID_CHARS: as is when it fits, else its start and a digest of the whole,
 * so that the same input always gives the same id (resends dedupe).
 */
export function stableId(id: string): string {
  if (id.length <= MAX_ID_CHARS) return id;
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 24);
  return `${id.slice(0, MAX_ID_CHARS - 25)}~${digest}`;
}

/** Maps one MQTT message (SenML or plain JSON; GPS is mapped by the GPS row mapper, see index.ts). */
export function mapMessage(input: unknown, ctx: MapContext, options: MqttOptions): Mapped[] {
  if (typeof input !== 'object' || input === null) return [bad('an MQTT input is { topic, payload }')];
  const { topic, payload } = input as Partial<MqttInput>;
  if (typeof topic !== 'string' || typeof payload !== 'string') return [bad('an MQTT input is { topic, payload }')];
  const route = formatOf(topic, options);
  if (!route) return [bad(`topic ${JSON.stringify(topic.slice(0, 100))} matches none of the configured filters`)];
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch (err) {
    return [
      {
        ok: false,
        code: ErrorCodes.EVT_NOT_JSON,
        reason: `${route.format} payload on ${topic.slice(0, 100)} is not JSON: ${(err as Error).message}`,
      },
    ];
  }
  if (route.format === 'senml') return mapSenml(body, ctx, options.kinds);
  if (route.format === 'json') return mapPlain(body, topic, ctx);
  return [bad(`format ${route.format} is mapped elsewhere`)];
}

// ---------------------------------------------------------------- SenML

/** The part of a resolved name after its base name, else its last segment (after `:` or `/`). */
function shortName(r: ResolvedRecord): string {
  const rest = r.baseName && r.name.startsWith(r.baseName) ? r.name.slice(r.baseName.length) : '';
  if (rest) return rest;
  const parts = r.name.split(/[:/]/).filter(Boolean);
  return parts[parts.length - 1] ?? r.name;
}

const patterns = new Map<string, RegExp>();
/** A rule's name pattern, compiled once (case-insensitive). */
function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, 'i');
    if (patterns.size < 1000) patterns.set(source, re);
  }
  return re;
}

/** The sensor kind of a record by the rules, first match wins. */
export function kindOf(r: ResolvedRecord, rules: readonly KindRule[]): Sensor | undefined {
  const name = shortName(r).toLowerCase();
  for (const rule of rules) {
    if (rule.units && (r.unit === undefined || !rule.units.includes(r.unit))) continue;
    if (rule.name !== undefined && !patternOf(rule.name).test(name)) continue;
    return rule.kind;
  }
  return undefined;
}

/** A lat/lon record: unit `lat`/`lon` (RFC 8428 sec. 12.1 units) or name `lat`/`lon`/`latitude`/`longitude`. */
function coordinateOf(r: ResolvedRecord): 'lat' | 'lon' | undefined {
  if (typeof r.value !== 'number') return undefined;
  if (r.unit === 'lat' || r.unit === 'lon') return r.unit;
  const n = shortName(r).toLowerCase();
  if (n === 'lat' || n === 'latitude') return 'lat';
  if (n === 'lon' || n === 'lng' || n === 'longitude') return 'lon';
  return undefined;
}

/** The device a record belongs to: its base name without a trailing `:` or `/`, else its name. */
function deviceOf(r: ResolvedRecord): string {
  const base = r.baseName.replace(/[:/]+$/, '');
  return base || r.name;
}

/**
 * A SenML pack → one sensor.reading per measurement record. Positions come from the pack's
 * lat/lon records of the same device (the latest at or before the measurement's time, else the
 * earliest), else from the device registry (`ctx.devicePosition`, by device then by name).
 */
export function mapSenml(body: unknown, ctx: MapContext, rules: readonly KindRule[]): Mapped[] {
  const resolved = resolveSenml(body, ctx.now());
  if (!resolved.ok) return [{ ok: false, code: ErrorCodes.ADP_PARSE, reason: `SenML: ${resolved.reason}` }];
  const out: Mapped[] = resolved.problems.map((p) => bad(`SenML record ${p.index}: ${p.reason}`));
  const fixes = new Map<string, Array<{ timeMs: number; lat?: number; lon?: number }>>();
  const measurements: ResolvedRecord[] = [];
  for (const r of resolved.records) {
    const c = coordinateOf(r);
    if (!c) {
      measurements.push(r);
      continue;
    }
    const list = fixes.get(deviceOf(r)) ?? [];
    let fix = list.find((f) => f.timeMs === r.timeMs);
    if (!fix) list.push((fix = { timeMs: r.timeMs }));
    fix[c] = r.value as number;
    fixes.set(deviceOf(r), list);
  }
  for (const r of measurements) out.push(senmlReading(r, ctx, rules, fixes.get(deviceOf(r)) ?? []));
  return out;
}

function senmlReading(
  r: ResolvedRecord,
  ctx: MapContext,
  rules: readonly KindRule[],
  fixes: Array<{ timeMs: number; lat?: number; lon?: number }>,
): Mapped {
  const sensorId = stableId(r.name);
  const id = stableId(`${r.name}@${Math.round(r.timeMs)}`);
  const kind = kindOf(r, rules);
  if (!kind)
    return {
      ok: false,
      code: ErrorCodes.ADP_UNSUPPORTED_TYPE,
      id,
      reason: `SenML record ${r.index} (${r.name.slice(0, 80)}, unit ${r.unit ?? 'none'}) has no sensor kind; map it with a kinds rule`,
    };
  const value = typeof r.value === 'number' ? r.value : typeof r.value === 'boolean' ? (r.value ? 1 : 0) : r.sum;
  if (value === undefined || !Number.isFinite(value))
    return {
      ok: false,
      code: ErrorCodes.ADP_UNSUPPORTED_TYPE,
      id,
      reason: `SenML record ${r.index}: a ${kind} reading needs a number (v), a boolean (vb) or a sum (s), not ${r.valueKind}`,
    };
  if (r.unit === undefined) return bad(`SenML record ${r.index}: a ${kind} reading needs a unit (u or bu)`, id);
  const time = new Date(r.timeMs);
  if (!Number.isFinite(r.timeMs) || Number.isNaN(time.getTime()))
    return { ok: false, code: ErrorCodes.ADP_BAD_TIME, id, reason: `SenML record ${r.index}: time out of range` };
  const usable = fixes.filter((f) => f.lat !== undefined && f.lon !== undefined);
  const before = usable.filter((f) => f.timeMs <= r.timeMs).sort((a, b) => b.timeMs - a.timeMs)[0];
  const fix = before ?? usable.sort((a, b) => a.timeMs - b.timeMs)[0];
  const where = fix
    ? { lon: fix.lon!, lat: fix.lat! }
    : (ctx.devicePosition(deviceOf(r)) ?? ctx.devicePosition(r.name));
  if (!where)
    return {
      ok: false,
      code: ErrorCodes.ADP_NO_LOCATION,
      id,
      reason: `SenML record ${r.index}: no lat/lon in the pack and device ${deviceOf(r).slice(0, 80)} is not in the device registry`,
    };
  const event: CityEventInput = {
    v: 1,
    id,
    source: 'mqtt',
    type: 'sensor.reading',
    eventTime: time.toISOString(),
    location: { lon: where.lon, lat: where.lat },
    category: ctx.category(kind).category,
    payload: { sensorId, kind, value, unit: r.unit.slice(0, 16) },
  };
  return { ok: true, event };
}

// ---------------------------------------------------------------- plain JSON

/**
 * Plain JSON: one object or an array of them,
 * `{ deviceId?, kind, value, unit, time, lon?, lat?, status?, id? }`. `deviceId` defaults to the
 * topic's last level; `time` is ISO 8601 with an offset or epoch milliseconds (a number under
 * 1e11 is read as seconds); without lon/lat the device registry is asked.
 */
export function mapPlain(body: unknown, topic: string, ctx: MapContext): Mapped[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) return [bad('the plain JSON array is empty')];
  return items.map((item, i) => plainReading(item, i, topic, ctx));
}

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

function timeOf(t: unknown): number | undefined {
  if (typeof t === 'number' && Number.isFinite(t) && t > 0) return t < 1e11 ? t * 1000 : t;
  if (typeof t === 'string' && t.length <= 40 && OFFSET_TIME.test(t)) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function plainReading(item: unknown, i: number, topic: string, ctx: MapContext): Mapped {
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    return bad(`item ${i}: a reading is a JSON object`);
  const o = item as Record<string, unknown>;
  const levels = topic.split('/');
  const deviceId =
    typeof o.deviceId === 'string' && o.deviceId !== '' ? o.deviceId : levels[levels.length - 1] || topic;
  const timeMs = timeOf(o.time);
  const id = stableId(typeof o.id === 'string' && o.id !== '' ? o.id : `${deviceId}@${timeMs ?? 'x'}`);
  const kind = SensorKind.safeParse(o.kind);
  if (!kind.success)
    return {
      ok: false,
      code: ErrorCodes.ADP_UNSUPPORTED_TYPE,
      id,
      reason: `item ${i}: kind ${JSON.stringify(String(o.kind).slice(0, 40))} is not one of ${SensorKind.options.join(', ')}`,
    };
  if (typeof o.value !== 'number' || !Number.isFinite(o.value)) return bad(`item ${i}: value must be a number`, id);
  if (typeof o.unit !== 'string' || o.unit === '' || o.unit.length > 16)
    return bad(`item ${i}: unit must be text of 1 to 16 characters`, id);
  if (timeMs === undefined)
    return {
      ok: false,
      code: ErrorCodes.ADP_BAD_TIME,
      id,
      reason: `item ${i}: time must be ISO 8601 with an offset or epoch milliseconds`,
    };
  if (o.status !== undefined && (typeof o.status !== 'string' || !STATUSES.has(o.status)))
    return bad(`item ${i}: status must be one of ${[...STATUSES].join(', ')}`, id);
  const hasLon = o.lon !== undefined || o.lat !== undefined;
  if (hasLon && (typeof o.lon !== 'number' || typeof o.lat !== 'number'))
    return bad(`item ${i}: lon and lat must both be numbers`, id);
  const where = hasLon ? { lon: o.lon as number, lat: o.lat as number } : ctx.devicePosition(deviceId);
  if (!where)
    return {
      ok: false,
      code: ErrorCodes.ADP_NO_LOCATION,
      id,
      reason: `item ${i}: no lon/lat and device ${deviceId.slice(0, 80)} is not in the device registry`,
    };
  const event: CityEventInput = {
    v: 1,
    id,
    source: 'mqtt',
    type: 'sensor.reading',
    eventTime: new Date(timeMs).toISOString(),
    location: { lon: where.lon, lat: where.lat },
    category: ctx.category(kind.data).category,
    payload: {
      sensorId: stableId(deviceId),
      kind: kind.data,
      value: o.value,
      unit: o.unit,
      ...(o.status === undefined ? {} : { status: o.status as 'ok' }),
    },
  };
  return { ok: true, event };
}
