/**
 * JSON merge patch (RFC 7396) between two plain JSON states: the gateway sends only what
 * changed, a screen applies it. `null` in a patch deletes a key, so a value that *changes to*
 * null cannot be expressed and is left out of the patch: states sent this way may start with
 * null (`asOf` before the first event) but must never go back to null.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
// keys come from senders (source names, streets): `in` would find `constructor` on any plain object
const has = (o: object, key: string) => Object.hasOwn(o, key);
// no prototype, so a `__proto__` key is data, not a prototype change
const emptyMap = () => Object.create(null) as Record<string, Json>;

/** The patch that turns `prev` into `next`, or `undefined` when they are equal. */
export function diffMergePatch(prev: Json, next: Json): Json | undefined {
  if (!isObject(prev) || !isObject(next)) {
    return JSON.stringify(prev) === JSON.stringify(next) ? undefined : next;
  }
  const patch = emptyMap();
  let changed = false;
  for (const key of Object.keys(prev)) {
    if (!has(next, key)) {
      patch[key] = null;
      changed = true;
    }
  }
  for (const [key, value] of Object.entries(next)) {
    const sub = has(prev, key) ? diffMergePatch(prev[key] as Json, value) : value;
    if (sub !== undefined) {
      // a change to null cannot be expressed (null deletes); see the note above
      if (sub === null && has(prev, key) && value === null) continue;
      patch[key] = sub;
      changed = true;
    }
  }
  return changed ? patch : undefined;
}

/** Applies a merge patch, returning a new value; `target` is not modified. */
export function applyMergePatch<T extends Json>(target: T, patch: Json): T {
  if (!isObject(patch)) return patch as T;
  const result = isObject(target) ? Object.assign(emptyMap(), target) : emptyMap();
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch((has(result, key) ? result[key] : emptyMap()) as Json, value);
  }
  return result as T;
}
