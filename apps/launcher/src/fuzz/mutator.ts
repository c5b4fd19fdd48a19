import type { Rand } from './rand.js';
import type { Template } from './corpus.js';

/** One input of a request: the JSON value sent (if any) and the text of it on the wire. */
export interface FuzzItem {
  /** what the server parses out of `text` (`undefined` when the text is not JSON) */
  value: unknown;
  text: string;
  /** the mutations applied, for the failure report */
  ops: string[];
}

export interface MutationContext {
  rand: Rand;
  /** wall-clock ms the item is stamped at */
  now: number;
  /** a fresh id, unique in the run */
  freshId: () => string;
  /** ids sent earlier in the run, for duplicates */
  earlier: Array<{ source: string; id: string }>;
  /** the server's MAX_CLOCK_SKEW_MS */
  skewMs: number;
}

const STRANGE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  'é',
  '🙂',
];
const STRANGE_SOURCES = ['constructor', '__proto__', 'tostring', 'hasownproperty', 'valueof', 'prototype'];
const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 53 + 2,
  '',
  ' ',
  '0',
  'null',
  '\u0000',
  '\ud800',
  '𠀀'.repeat(8),
  [],
  {},
  [null],
  { a: 1 },
];

type Op = (e: Record<string, unknown>, c: MutationContext) => string;

/** Paths of the leaves and objects of an event, e.g. `payload.sensorId`. */
function paths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p, ...paths(v, p));
  }
  return out;
}

function parentOf(e: Record<string, unknown>, path: string): [Record<string, unknown>, string] | undefined {
  const parts = path.split('.');
  let obj: unknown = e;
  for (const p of parts.slice(0, -1)) {
    if (typeof obj !== 'object' || obj === null) return undefined;
    obj = (obj as Record<string, unknown>)[p];
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  return [obj as Record<string, unknown>, parts[parts.length - 1]!];
}

function objectsOf(e: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  const out: Array<[string, Record<string, unknown>]> = [['', e]];
  for (const p of paths(e)) {
    const at = parentOf(e, p);
    const v = at ? at[0][at[1]] : undefined;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push([p, v as Record<string, unknown>]);
  }
  return out;
}

function bigString(c: MutationContext): string {
  const n = c.rand.pick([256, 2_000, 2_001, 65_536, 300_000]);
  return c.rand.pick(['x', 'é', '中', '\\', '"']).repeat(n);
}

const ops: Array<readonly [number, Op]> = [
  [
    4,
    (e, c) => {
      const p = c.rand.pick(paths(e));
      const at = parentOf(e, p);
      if (at) delete at[0][at[1]];
      return `drop ${p}`;
    },
  ],
  [
    3,
    (e, c) => {
      const [p, obj] = c.rand.pick(objectsOf(e));
      const key = c.rand.chance(0.5)
        ? c.rand.pick(STRANGE_KEYS)
        : c.rand.chance(0.5)
          ? `k${c.rand.int(0, 99)}`
          : bigString(c);
      // JSON.parse makes "__proto__" an own key; defineProperty does the same here
      Object.defineProperty(obj, key, {
        value: c.rand.pick(ODD_VALUES),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return `add ${p || '(root)'}.${key.length > 20 ? `<${key.length} chars>` : key}`;
    },
  ],
  [
    5,
    (e, c) => {
      const p = c.rand.pick(paths(e));
      const at = parentOf(e, p);
      const v = c.rand.pick(ODD_VALUES);
      if (at) at[0][at[1]] = structuredClone(v);
      return `set ${p}=${JSON.stringify(v)}`;
    },
  ],
  [
    3,
    (e, c) => {
      const strings = paths(e).filter((p) => {
        const at = parentOf(e, p);
        return at !== undefined && typeof at[0][at[1]] === 'string';
      });
      const p = c.rand.pick(strings.length ? strings : ['payload.extra']);
      const at = parentOf(e, p);
      const s = bigString(c);
      if (at) at[0][at[1]] = s;
      return `long ${p} (${s.length} chars)`;
    },
  ],
  [
    3,
    (e, c) => {
      const t = c.rand.pick([
        '1970-01-01T00:00:00Z',
        '0000-01-01T00:00:00Z',
        '9999-12-31T23:59:59Z',
        '2025-02-30T10:00:00Z',
        '2025-06-02T10:00:00',
        'yesterday',
        new Date(c.now + c.skewMs + 60_000).toISOString(),
        new Date(c.now - c.rand.int(0, 90_000)).toISOString(),
        new Date(c.now + c.rand.int(0, 60_000)).toISOString().replace('Z', '+00:00'),
        new Date(c.now - 30 * 86_400_000).toISOString(),
      ]);
      e.eventTime = t;
      return `eventTime=${t}`;
    },
  ],
  [
    2,
    (e, c) => {
      const t = c.rand.pick(['hotline.ticket', 'sensor.reading', 'delivery.vehicle', 'sensor.Reading', 'x', '']);
      e.type = t;
      return `type=${t}`;
    },
  ],
  [
    1,
    (e, c) => {
      const v = c.rand.pick<unknown>([0, 2, '1', 1.0, null, -1, 1e9]);
      e.v = v;
      return `v=${JSON.stringify(v)}`;
    },
  ],
  [
    3,
    (e, c) => {
      const s = c.rand.chance(0.5)
        ? c.rand.pick(STRANGE_SOURCES)
        : c.rand.chance(0.7)
          ? `src-${c.rand.int(0, 999)}`
          : c.rand.pick(['', 'UPPER', 'a'.repeat(64), 'a'.repeat(65), '-x', 'a b']);
      e.source = s;
      return `source=${s}`;
    },
  ],
  [
    3,
    (e, c) => {
      if (c.earlier.length && c.rand.chance(0.7)) {
        const prior = c.rand.pick(c.earlier);
        e.source = prior.source;
        e.id = prior.id;
        return `duplicate of ${prior.source}/${prior.id}`;
      }
      const id = c.rand.pick(['', 'i'.repeat(128), 'i'.repeat(129), 'ид-😀', ' ']);
      e.id = id;
      return `id=<${id.length} chars>`;
    },
  ],
  [
    2,
    (e, c) => {
      const cat = c.rand.pick<unknown>([
        { kind: 'event', code: 'E.99.99' },
        { kind: 'part', code: 'E.01.01' },
        { kind: 'other', code: 'P.01.01' },
        { kind: 'part', code: 'P.1.1' },
        { kind: 'part' },
      ]);
      e.category = cat;
      return `category=${JSON.stringify(cat)}`;
    },
  ],
  [
    2,
    (e, c) => {
      const loc = c.rand.pick<unknown>([
        { lon: 116.39, lat: 39.9 },
        { lon: 122.5, lat: 31.0 },
        { lon: 180.0001, lat: 0 },
        { lon: -180, lat: -90 },
        { lon: 121.47, lat: 90.5 },
        { lon: '121.47', lat: 31.23 },
        [121.47, 31.23],
      ]);
      e.location = loc;
      return `location=${JSON.stringify(loc)}`;
    },
  ],
];

/**
 * One mutated input from a template: a fresh id and a fresh eventTime, then with probability
 * `1 - pValid` one to three seeded mutations (missing, unknown and odd-typed fields, huge strings,
 * impossible times, wrong type/version/category/location, strange source names, duplicates).
 */
export function mutate(
  template: Template,
  c: MutationContext,
  pValid = 0.35,
): Record<string, unknown> & { ops: string[] } {
  const e = structuredClone(template) as Record<string, unknown>;
  e.id = c.freshId();
  e.eventTime = new Date(c.now - c.rand.int(0, 60_000)).toISOString();
  const applied: string[] = [];
  if (!c.rand.chance(pValid)) {
    const n = c.rand.int(1, 3);
    for (let i = 0; i < n; i++) applied.push(c.rand.weighted(ops)(e, c));
  }
  return Object.assign(e, { ops: applied });
}

/** The text of a mutated event; for NDJSON lines, sometimes damaged at the byte level. */
export function itemOf(
  event: Record<string, unknown> & { ops: string[] },
  c: MutationContext,
  ndjson: boolean,
): FuzzItem {
  const { ops: applied, ...value } = event;
  let text = JSON.stringify(value);
  if (ndjson && c.rand.chance(0.08)) {
    const at = c.rand.int(0, text.length - 1);
    const how = c.rand.pick(['truncate', 'flip', 'insert', 'nul']);
    if (how === 'truncate') text = text.slice(0, at);
    else if (how === 'flip')
      text = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 0x20) + text.slice(at + 1);
    else if (how === 'insert') text = text.slice(0, at) + c.rand.pick(['{', '"', ',', ']', '\\', 'ÿ']) + text.slice(at);
    else text = text.slice(0, at) + '\u0000' + text.slice(at);
    applied.push(`bytes ${how} @${at}`);
    return { value: parseOrUndefined(text), text, ops: applied };
  }
  return { value, text, ops: applied };
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text.trim()) as unknown;
  } catch {
    return undefined;
  }
}
