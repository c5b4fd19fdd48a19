/**
 * Text and JSON of bounded size, for anything that quotes or stores input from outside (reasons,
 * dead letters). Nothing here recurses: a value nested 10,000 deep costs what its first bytes cost.
 * No Node globals (Buffer): the dashboard bundles this package too.
 */

/** Bytes of `s` in UTF-8 (lone surrogates count 3, as TextEncoder writes U+FFFD for them). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes, never splitting a surrogate pair. */
export function truncateUtf8(s: string, maxBytes: number): string {
  // at most 3 bytes per UTF-16 unit (4 per pair of 2): anything this short fits as is
  if (s.length * 3 <= maxBytes) return s;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLow(s.charCodeAt(i + 1));
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (n + size > maxBytes) return s.slice(0, i);
    n += size;
    if (pair) i++;
  }
  return s;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** `s` cut to at most `max` UTF-16 units, ending in `…` when cut. */
export function capText(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

type Frame =
  | { kind: 'array'; value: readonly unknown[]; i: number }
  | { kind: 'object'; value: Record<string, unknown>; keys: string[]; i: number; wrote: boolean };

/**
 * Writes `value` as JSON, chunk by chunk, iteratively (an explicit stack, not recursion), until
 * `emit` returns false. The chunks joined are what `JSON.stringify` gives for JSON data (objects,
 * arrays, strings, finite numbers, booleans, null); `undefined` and functions are left out of
 * objects and are `null` in arrays, as JSON.stringify does. A string is cut to `maxStringUnits`
 * before it is escaped, so a megabyte string costs no more than its prefix.
 */
function writeJson(value: unknown, emit: (chunk: string) => boolean, maxStringUnits: number): void {
  const stack: Frame[] = [];
  // returns false when emit asked to stop
  const scalar = (v: unknown, inArray: boolean): boolean | 'container' => {
    if (v === null) return emit('null');
    switch (typeof v) {
      case 'string':
        return emit(JSON.stringify(v.length > maxStringUnits ? v.slice(0, maxStringUnits) : v));
      case 'number':
        return emit(Number.isFinite(v) ? String(v) : 'null');
      case 'boolean':
        return emit(v ? 'true' : 'false');
      case 'bigint':
        return emit(JSON.stringify(String(v)));
      case 'object':
        return 'container';
      default: // undefined, function, symbol
        return inArray ? emit('null') : true;
    }
  };
  const open = (v: object): boolean => {
    if (Array.isArray(v)) {
      stack.push({ kind: 'array', value: v, i: 0 });
      return emit('[');
    }
    const keys = Object.keys(v).filter((k) => {
      const t = typeof (v as Record<string, unknown>)[k];
      return t !== 'undefined' && t !== 'function' && t !== 'symbol';
    });
    stack.push({ kind: 'object', value: v as Record<string, unknown>, keys, i: 0, wrote: false });
    return emit('{');
  };

  const first = scalar(value, true);
  if (first !== 'container') return;
  if (!open(value as object)) return;
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    let next: unknown;
    if (top.kind === 'array') {
      if (top.i >= top.value.length) {
        stack.pop();
        if (!emit(']')) return;
        continue;
      }
      if (top.i > 0 && !emit(',')) return;
      next = top.value[top.i++];
      const r = scalar(next, true);
      if (r === false) return;
      if (r === 'container' && !open(next as object)) return;
    } else {
      if (top.i >= top.keys.length) {
        stack.pop();
        if (!emit('}')) return;
        continue;
      }
      const key = top.keys[top.i++]!;
      if (!emit(`${top.wrote ? ',' : ''}${JSON.stringify(capText(key, maxStringUnits))}:`)) return;
      top.wrote = true;
      next = top.value[key];
      const r = scalar(next, false);
      if (r === false) return;
      if (r === 'container' && !open(next as object)) return;
    }
  }
}

/** JSON text of `value`, at most `maxBytes` UTF-8 bytes; `truncated` when it was cut there. */
export function boundedJson(value: unknown, maxBytes: number): { text: string; truncated: boolean } {
  const parts: string[] = [];
  let bytes = 0;
  let truncated = false;
  writeJson(
    value,
    (chunk) => {
      const size = utf8Length(chunk);
      if (bytes + size > maxBytes) {
        parts.push(truncateUtf8(chunk, maxBytes - bytes));
        truncated = true;
        return false;
      }
      parts.push(chunk);
      bytes += size;
      return true;
    },
    maxBytes,
  );
  return { text: parts.join(''), truncated };
}

/** Whether `value` as JSON is longer than `maxBytes` UTF-8 bytes; stops counting there. */
export function jsonLongerThan(value: unknown, maxBytes: number): boolean {
  // Fast path, per event on the ingest path: the native writer. It throws on a value too deep for
  // its stack (or a cycle); those take the iterative count below.
  try {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) return false;
    // a UTF-16 unit is at most 3 UTF-8 bytes: only text near the limit needs counting
    return text.length * 3 > maxBytes && utf8Length(text) > maxBytes;
  } catch {
    // too deep or cyclic for JSON.stringify
  }
  let bytes = 0;
  let over = false;
  writeJson(
    value,
    (chunk) => {
      bytes += utf8Length(chunk);
      over = bytes > maxBytes;
      return !over;
    },
    maxBytes + 1,
  );
  return over;
}

/** A short, safe description of any value for a reason: its JSON start, at most `max` units. */
export function preview(value: unknown, max = 40): string {
  const { text, truncated } = boundedJson(value, max);
  return truncated ? `${capText(text, max - 1)}…` : text === '' ? String(typeof value) : text;
}
