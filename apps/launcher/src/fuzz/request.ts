import type { FuzzItem } from './mutator.js';
import type { Rand } from './rand.js';

export type Auth = 'x-api-key' | 'bearer' | 'empty-x-api-key+bearer' | 'none' | 'wrong';

/** One POST /api/v1/events: its body and what the server parses out of it. */
export interface FuzzRequest {
  label: string;
  contentType: string | undefined;
  body: string;
  auth: Auth;
  /**
   * The inputs the server must answer for, as `parseBody` splits the body (array elements, one
   * object, or non-empty NDJSON lines); `undefined` when the body as a whole is not JSON.
   */
  items: FuzzItem[] | undefined;
  /** a short description of how the body was built, for the failure report */
  ops: string[];
}

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  undefined,
  'application/octet-stream',
];
const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/x-ndjson; charset=utf-8',
  'application/jsonlines',
  'application/x-jsonl',
];

/** The headers of a request with this auth variant. */
export function authHeaders(auth: Auth, key: string): Record<string, string> {
  switch (auth) {
    case 'x-api-key':
      return { 'x-api-key': key };
    case 'bearer':
      return { authorization: `Bearer ${key}` };
    case 'empty-x-api-key+bearer':
      return { 'x-api-key': '', authorization: `Bearer ${key}` };
    case 'wrong':
      return { 'x-api-key': `${key}x` };
    case 'none':
      return {};
  }
}

/** Whether the server must let this auth variant in (INGEST_API_KEYS holds `key`). */
export function authValid(auth: Auth): boolean {
  return auth === 'x-api-key' || auth === 'bearer' || auth === 'empty-x-api-key+bearer';
}

export function pickAuth(rand: Rand): Auth {
  return rand.weighted<Auth>([
    [90, 'x-api-key'],
    [4, 'bearer'],
    [2, 'empty-x-api-key+bearer'],
    [2, 'none'],
    [2, 'wrong'],
  ]);
}

/** Builds a request body of one of the accepted shapes from `items`, as the route splits it. */
export function buildRequest(items: FuzzItem[], rand: Rand, ndjson: boolean, auth: Auth): FuzzRequest {
  if (ndjson) {
    const eol = rand.chance(0.2) ? '\r\n' : '\n';
    const lines: string[] = [];
    for (const it of items) {
      if (rand.chance(0.05)) lines.push(rand.pick(['', '   ', '\t']));
      lines.push(it.text);
    }
    return {
      label: 'ndjson',
      contentType: rand.pick(NDJSON_TYPES),
      body: lines.join(eol) + (rand.chance(0.5) ? eol : ''),
      auth,
      items,
      ops: [`ndjson ${items.length} lines${eol === '\r\n' ? ' (CRLF)' : ''}`],
    };
  }
  const contentType = rand.pick(JSON_TYPES);
  if (items.length === 1 && rand.chance(0.3)) {
    return { label: 'object', contentType, body: items[0]!.text, auth, items, ops: ['one object'] };
  }
  return {
    label: 'array',
    contentType,
    body: `[${items.map((i) => i.text).join(',')}]`,
    auth,
    items,
    ops: [`array of ${items.length}`],
  };
}

/** Whole bodies that are odd as a whole: empty, bare scalars, truncated, wrong encodings. */
export function oddBodies(): Array<{ label: string; contentType: string | undefined; body: string }> {
  return [
    { label: 'empty body', contentType: 'application/json', body: '' },
    { label: 'empty NDJSON', contentType: 'application/x-ndjson', body: '' },
    { label: 'null', contentType: 'application/json', body: 'null' },
    { label: 'empty array', contentType: 'application/json', body: '[]' },
    { label: 'empty object', contentType: 'application/json', body: '{}' },
    { label: 'number', contentType: 'application/json', body: '123' },
    { label: 'string', contentType: 'application/json', body: '"event"' },
    { label: 'truncated array', contentType: 'application/json', body: '[{"v":1,' },
    { label: 'trailing comma', contentType: 'application/json', body: '[{},]' },
    { label: 'BOM', contentType: 'application/json', body: '\ufeff[]' },
    { label: 'NUL', contentType: 'application/json', body: '\u0000' },
    { label: 'array of arrays', contentType: 'application/json', body: '[[],[[]],[1,2]]' },
    { label: 'NDJSON of scalars', contentType: 'application/x-ndjson', body: '1\ntrue\nnull\n"x"\n[]' },
    {
      label: 'proto keys',
      contentType: 'application/json',
      body: '{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}',
    },
  ];
}

/** What `parseBody` makes of a body: the items, or undefined when the JSON body does not parse. */
export function splitBody(raw: string, contentType: string | undefined, ops: string[]): FuzzItem[] | undefined {
  // the body parser decodes the text and drops a leading byte-order mark
  const body = raw.startsWith('\ufeff') ? raw.slice(1) : raw;
  if (/ndjson|jsonlines|x-jsonl/i.test(contentType ?? '')) {
    return body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((text) => ({ value: parse(text), text, ops }));
  }
  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
  return (Array.isArray(value) ? value : [value]).map((v) => ({ value: v, text: '', ops }));
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
