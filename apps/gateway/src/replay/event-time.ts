import type { ConsumedRecord } from '@cityops/bus';

const FIELD = '"eventTime":"';
const cache = new WeakMap<ConsumedRecord, number | null>();

/**
 * The event time (epoch ms) of a record of `city.events.v1`, or null when it has none (not JSON,
 * no `eventTime`): such a record is left to the stage, which counts it as it does live.
 *
 * A replay needs it twice per record (to pace, and to keep the records of its period) and the
 * stage parses the record once more, so the common case is read without a JSON parse: the
 * canonical envelope is written by `JSON.stringify`, which puts `"eventTime":"<ISO time>"` in one
 * piece. Anything else (spaces, escapes) falls back to a full parse. Cached per record object.
 */
export function eventTimeOf(record: ConsumedRecord): number | null {
  const hit = cache.get(record);
  if (hit !== undefined) return hit;
  const t = read(record.value);
  cache.set(record, t);
  return t;
}

function read(value: string): number | null {
  const at = value.indexOf(FIELD);
  if (at >= 0) {
    const start = at + FIELD.length;
    const end = value.indexOf('"', start);
    // an ISO time is 20..30 characters; a quote sooner or later means it is not a plain one
    if (end > start + 19 && end < start + 31) {
      const t = Date.parse(value.slice(start, end));
      if (Number.isFinite(t) && value.indexOf(FIELD, end) < 0) return t;
    }
  }
  try {
    const v = JSON.parse(value) as { eventTime?: unknown } | null;
    const t = typeof v?.eventTime === 'string' ? Date.parse(v.eventTime) : NaN;
    return Number.isFinite(t) ? t : null;
  } catch {
    return null;
  }
}
