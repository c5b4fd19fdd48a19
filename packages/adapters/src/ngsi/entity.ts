/**
 * Reading one NGSI entity, whatever representation the broker chose: NGSI v2 normalized
 * (`{"type":"Number","value":..,"metadata":{..}}`), v2 keyValues (the bare value), NGSI-LD normalized
 * (`{"type":"Property","value":..,"observedAt":..}`, `GeoProperty`, `Relationship`), NGSI-LD concise
 * and simplified (keyValues). Attribute and type names that arrive expanded to IRIs
 * (`https://smartdatamodels.org/dataModel.Transportation/averageVehicleSpeed`) are matched by
 * their last path segment: no JSON-LD processor resolves `@context` (no network at run time), and
 * for Smart Data Models terms that segment is the short name.
 */
export type AttrsFormat = 'normalized' | 'keyValues' | 'auto';

const LD_ATTR_TYPES = new Set([
  'Property',
  'GeoProperty',
  'Relationship',
  'LanguageProperty',
  'VocabProperty',
  'JsonProperty',
  'ListProperty',
  'ListRelationship',
]);

export interface Attr {
  value: unknown;
  /** the attribute's own time: NGSI-LD `observedAt`, v2 metadata `timestamp` / `observedAt` */
  observedAt?: string;
  /** UN/CEFACT unit code: NGSI-LD `unitCode`, v2 metadata `unitCode` */
  unitCode?: string;
  /** the attribute's declared type (`geo:json`, `geo:point`, `Property` ...) */
  attrType?: string;
}

export interface Entity {
  id: string;
  /** compacted: the last segment of an expanded type IRI */
  type: string;
  raw: Record<string, unknown>;
  format: AttrsFormat;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `https://x/y#Name` or `https://x/y/Name` → `Name`; short names are returned as they are */
export function compact(name: string): string {
  if (!name.includes(':') || !/^[a-z][a-z0-9+.-]*:/i.test(name)) return name;
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('#'));
  return cut >= 0 && cut < name.length - 1 ? name.slice(cut + 1) : name;
}

function stringMeta(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.value === 'string') return v.value;
  return undefined;
}

/** JSON-LD typed literals (`{"@type":"DateTime","@value":"..."}`) unwrapped to their value */
function unwrapLiteral(v: unknown): unknown {
  return isObject(v) && '@value' in v ? v['@value'] : v;
}

/**
 * An entity's attribute by short name, or undefined when absent (or null). Expanded IRIs whose
 * last segment is `name` match too.
 */
export function attr(e: Entity, name: string): Attr | undefined {
  let raw: unknown = e.raw[name];
  if (raw === undefined) {
    for (const k of Object.keys(e.raw)) {
      if (k !== name && k.includes(':') && compact(k) === name) {
        raw = e.raw[k];
        break;
      }
    }
  }
  if (raw === undefined || raw === null) return undefined;
  if (e.format === 'keyValues') return { value: unwrapLiteral(raw) };
  // NGSI-LD multi-attributes: the default instance (no datasetId), else the first
  if (Array.isArray(raw) && raw.length > 0 && raw.every((x) => isObject(x) && typeof x.type === 'string')) {
    raw = (raw as Record<string, unknown>[]).find((x) => x.datasetId === undefined) ?? raw[0];
  }
  if (!isObject(raw)) return { value: raw };
  const t = typeof raw.type === 'string' ? raw.type : undefined;
  if (t !== undefined && LD_ATTR_TYPES.has(t)) {
    const value = t === 'Relationship' || t === 'ListRelationship' ? raw.object : (raw.value ?? raw.vocab ?? raw.json);
    const md = isObject(raw.metadata) ? raw.metadata : undefined; // Orion-LD's v2-shaped cross notifications
    return {
      value: unwrapLiteral(value),
      observedAt: stringMeta(raw.observedAt) ?? stringMeta(md?.observedAt),
      unitCode: stringMeta(raw.unitCode) ?? stringMeta(md?.unitCode),
      attrType: t,
    };
  }
  if ('value' in raw) {
    // v2 normalized, or NGSI-LD concise (value without a type)
    const md = isObject(raw.metadata) ? raw.metadata : {};
    return {
      value: unwrapLiteral(raw.value),
      observedAt: stringMeta(raw.observedAt) ?? stringMeta(md.timestamp) ?? stringMeta(md.observedAt),
      unitCode: stringMeta(raw.unitCode) ?? stringMeta(md.unitCode),
      attrType: t,
    };
  }
  return { value: raw }; // a structured keyValues value (GeoJSON location, address ...)
}

export type EntityCheck = { ok: true; entity: Entity } | { ok: false; reason: string; id?: string };

const MAX_ENTITY_ID_CHARS = 1024;

/** An entity needs a string `id` and `type` (NGSI v2 and NGSI-LD both require them). */
export function readEntity(v: unknown, format: AttrsFormat): EntityCheck {
  if (!isObject(v)) return { ok: false, reason: `an entity must be a JSON object, got ${describe(v)}` };
  const id = v.id ?? v['@id'];
  const type = v.type ?? v['@type'];
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ENTITY_ID_CHARS) {
    return { ok: false, reason: `entity "id" must be a string of 1..${MAX_ENTITY_ID_CHARS} characters` };
  }
  const t = Array.isArray(type) ? type[0] : type; // NGSI-LD allows several types: the first names the model
  if (typeof t !== 'string' || t.length === 0) return { ok: false, reason: 'entity "type" must be a string', id };
  return { ok: true, entity: { id, type: compact(t), raw: v, format } };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

export interface LonLat {
  lon: number;
  lat: number;
}

export type LocationRead = { ok: true; at: LonLat } | { ok: false; reason: string } | { ok: 'absent' };

function pair(c: unknown): LonLat | undefined {
  if (!Array.isArray(c) || c.length < 2) return undefined;
  const [lon, lat] = c;
  if (typeof lon !== 'number' || typeof lat !== 'number') return undefined;
  return { lon, lat };
}

/** A representative point of a GeoJSON geometry: the Point, the first point of a line, a ring's mean. */
function pointOf(g: Record<string, unknown>): LonLat | undefined {
  const c = g.coordinates;
  switch (g.type) {
    case 'Point':
      return pair(c);
    case 'LineString':
    case 'MultiPoint':
      return Array.isArray(c) ? pair(c[0]) : undefined;
    case 'MultiLineString':
      return Array.isArray(c) && Array.isArray(c[0]) ? pair(c[0][0]) : undefined;
    case 'Polygon':
      return Array.isArray(c) ? ringMean(c[0]) : undefined;
    case 'MultiPolygon':
      return Array.isArray(c) && Array.isArray(c[0]) ? ringMean(c[0][0]) : undefined;
    default:
      return undefined;
  }
}

function ringMean(ring: unknown): LonLat | undefined {
  if (!Array.isArray(ring) || ring.length === 0) return undefined;
  const pts = ring.map(pair);
  if (pts.some((p) => p === undefined)) return undefined;
  const ps = pts as LonLat[];
  const first = ps[0]!;
  const last = ps[ps.length - 1]!;
  const open = ps.length > 1 && first.lon === last.lon && first.lat === last.lat ? ps.slice(0, -1) : ps;
  return {
    lon: open.reduce((s, p) => s + p.lon, 0) / open.length,
    lat: open.reduce((s, p) => s + p.lat, 0) / open.length,
  };
}

/**
 * The entity's `location`: GeoJSON (v2 `geo:json`, NGSI-LD `GeoProperty`, keyValues), or v2's
 * legacy `geo:point` (`"lat, lon"`). Absent is not an error here (the device registry may know).
 */
export function readLocation(e: Entity): LocationRead {
  const a = attr(e, 'location');
  if (a === undefined) return { ok: 'absent' };
  let p: LonLat | undefined;
  if (typeof a.value === 'string' && (a.attrType === 'geo:point' || /^-?\d/.test(a.value))) {
    const parts = a.value.split(',').map((x) => Number(x.trim()));
    if (parts.length === 2 && parts.every(Number.isFinite)) p = { lat: parts[0]!, lon: parts[1]! };
  } else if (isObject(a.value)) {
    p = pointOf(a.value);
  }
  if (p === undefined) return { ok: false, reason: `"location" is not a GeoJSON geometry with coordinates` };
  if (!Number.isFinite(p.lon) || !Number.isFinite(p.lat) || Math.abs(p.lon) > 180 || Math.abs(p.lat) > 90) {
    return { ok: false, reason: `"location" coordinates out of range: lon ${p.lon}, lat ${p.lat}` };
  }
  return { ok: true, at: p };
}
