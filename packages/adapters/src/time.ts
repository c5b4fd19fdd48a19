import { localToEpoch, zoneOffsetMs } from '@cityops/city';

/**
 * Times as sources send them: ISO 8601 with an offset or `Z`; a local `YYYY-MM-DD HH:mm[:ss[.SSS]]`
 * (also with `T` or `/`) read in the pack's time zone; epoch seconds or milliseconds (as a number
 * or a string of digits: 10 digits or fewer are seconds, more are milliseconds).
 */
const LOCAL = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;
const EPOCH = /^\d{1,13}(?:\.\d+)?$/;

export { zoneOffsetMs, localToEpoch };

/** Epoch ms of a source's time, or undefined when it is not understood (or not a real calendar date). */
export function parseSourceTime(value: unknown, timeZone: string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? epoch(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (v.length === 0 || v.length > 40) return undefined;
  if (EPOCH.test(v)) return epoch(Number(v));
  const m = LOCAL.exec(v);
  if (m) {
    const [y, mo, d, h, mi, s = '0', frac = '0'] = m.slice(1) as string[];
    const n = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
    if (n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 || n[3] > 23 || n[4] > 59 || n[5] > 59) return undefined;
    const ms = Number(frac.padEnd(3, '0').slice(0, 3));
    const t = localToEpoch(...n, ms, timeZone);
    // 2026-02-30 rolls over in Date.UTC: not a real date
    const check = new Date(Date.UTC(n[0], n[1] - 1, n[2]));
    if (check.getUTCDate() !== n[2]) return undefined;
    return t;
  }
  if (OFFSET.test(v) && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v)) {
    const t = Date.parse(v.replace(' ', 'T'));
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function epoch(n: number): number | undefined {
  const ms = n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  return ms <= 8.64e15 ? ms : undefined;
}

/** ISO 8601 in UTC, as the envelope carries event times. */
export const iso = (t: number): string => new Date(t).toISOString();
