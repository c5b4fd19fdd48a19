/**
 * Times as sources write them: ISO 8601 with an offset, ISO without one (read in the city pack's
 * time zone, since many exports carry none), and NGSI's observation intervals `from/to` (the end
 * counts: a reading over 11:10–11:15 is known at 11:15).
 */
import { localToEpoch } from '../time.js';

const WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;
const MAX_TIME_CHARS = 64;

function fieldsValid(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

function fraction(f: string | undefined): number {
  return f ? Math.floor(Number(`0.${f}`) * 1000) : 0;
}

/**
 * Epoch ms of a source time, or undefined when it is not a time we understand. An interval
 * `a/b` gives `b`. Times without an offset are wall-clock times in `timeZone` (IANA).
 */
export function parseSourceTime(text: string, timeZone: string): number | undefined {
  if (text.length === 0 || text.length > MAX_TIME_CHARS) return undefined;
  const slash = text.indexOf('/');
  const s = (slash >= 0 ? text.slice(slash + 1) : text).trim();
  let m = WITH_OFFSET.exec(s);
  if (m) {
    const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
    if (!fieldsValid(y!, mo!, d!, h!, mi!, sec!)) return undefined;
    const off = m[8]!.toUpperCase();
    let offMs = 0;
    if (off !== 'Z') {
      const sign = off.startsWith('-') ? -1 : 1;
      const digits = off.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (oh > 18 || om > 59) return undefined;
      offMs = sign * (oh * 60 + om) * 60_000;
    }
    return Date.UTC(y!, mo! - 1, d!, h!, mi!, sec!) + fraction(m[7]) - offMs;
  }
  m = LOCAL.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  if (!fieldsValid(y!, mo!, d!, h!, mi!, sec!)) return undefined;
  try {
    return localToEpoch(y!, mo!, d!, h!, mi!, sec!, fraction(m[7]), timeZone);
  } catch {
    return undefined; // an unknown time zone: the pack validates it, so this is a bug elsewhere
  }
}
