/**
 * JSON merge patch (RFC 7396) between two plain JSON states: the gateway sends only what
 * changed, a screen applies it. `null` in a patch deletes a key, so a value that *changes to*
 * null cannot be expressed and is left out of the patch: states sent this way may start with
 * null (`asOf` before the first event) but must never go back to null.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The patch that turns `prev` into `next`, or `undefined` when they are equal. */
export function diffMergePatch(prev: Json, next: Json): Json | undefined {
  if (!isObject(prev) || !isObject(next)) {
    return JSON.stringify(prev) === JSON.stringify(next) ? undefined : next;
  }
  const patch: Record<string, Json> = {};
  let changed = false;
  for (const key of Object.keys(prev)) {
    if (!(key in next)) {
      patch[key] = null;
      changed = true;
    }
  }
  for (const [key, value] of Object.entries(next)) {
    const sub = key in prev ? diffMergePatch(prev[key] as Json, value) : value;
    if (sub !== undefined) {
      // a change to null cannot be expressed (null deletes); see the note above
      if (sub === null && key in prev && value === null) continue;
      patch[key] = sub;
      changed = true;
    }
  }
  return changed ? patch : undefined;
}

/** Applies a merge patch, returning a new value; `target` is not modified. */
export function applyMergePatch<T extends Json>(target: T, patch: Json): T {
  if (!isObject(patch)) return patch as T;
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch((result[key] ?? {}) as Json, value);
  }
  return result as T;
}
