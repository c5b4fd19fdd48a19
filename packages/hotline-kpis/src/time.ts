import { localFields, zoneOffsetMs } from '@cityops/city';

/**
 * Calendar months in the city's time zone, by `Intl.DateTimeFormat` (the platform's tz database):
 * no daylight-saving arithmetic of our own.
 */
const SLOT_MS = 15 * 60_000;
const monthBySlot = new Map<string, string>();

/**
 * `YYYY-MM` of an instant (epoch ms) in a time zone. Cached per 15-minute slot of UTC (every
 * zone's offset is a multiple of 15 minutes, so a month never begins inside a slot): Intl's
 * formatToParts costs microseconds, and the fold asks twice per stage event.
 */
export function monthOf(ms: number, timeZone: string): string {
  const key = `${timeZone}|${Math.floor(ms / SLOT_MS)}`;
  const hit = monthBySlot.get(key);
  if (hit !== undefined) return hit;
  const w = localFields(ms, timeZone);
  const m = `${String(w.y).padStart(4, '0')}-${String(w.mo).padStart(2, '0')}`;
  if (monthBySlot.size >= 50_000) monthBySlot.clear();
  monthBySlot.set(key, m);
  return m;
}

export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The month before `YYYY-MM`. */
export function previousMonth(month: string): string {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM, got ${month}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return mo === 1 ? `${String(y - 1).padStart(4, '0')}-12` : `${m[1]}-${String(mo - 1).padStart(2, '0')}`;
}

const offsetAt = zoneOffsetMs;

const starts = new Map<string, number>();

/**
 * The instant (epoch ms) at which month `YYYY-MM` begins in the time zone: the store bucket of the
 * month's counters. The offset is the one Intl gives at that instant.
 */
export function monthStartMs(month: string, timeZone: string): number {
  const key = `${timeZone}|${month}`;
  const hit = starts.get(key);
  if (hit !== undefined) return hit;
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM, got ${month}`);
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  let t = guess - offsetAt(guess, timeZone);
  const again = guess - offsetAt(t, timeZone);
  if (again !== t) t = again;
  starts.set(key, t);
  return t;
}
