/**
 * The city's time zone (`pack.meta.timeZone`, IANA), read through `Intl` (the platform's tz
 * database): no daylight-saving arithmetic of our own. Offsets change on quarter-hour boundaries
 * at most (every zone's DST and history), so they are memoised per quarter hour and the cost per
 * event is a Map lookup.
 */
const QUARTER = 900_000;
const formats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at instant `t` (ms): local wall clock minus UTC. Throws on an unknown zone. */
export function zoneOffsetMs(t: number, timeZone: string): number {
  const slot = Math.floor(t / QUARTER);
  const key = `${timeZone} ${slot}`;
  let off = offsets.get(key);
  if (off === undefined) {
    if (offsets.size >= 50_000) offsets.clear();
    off = computeOffset(slot * QUARTER, timeZone);
    offsets.set(key, off);
  }
  return off;
}

function computeOffset(t: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(t))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - t;
}

/** A local wall-clock time in `timeZone` as epoch ms (the earlier instant when a DST change repeats it). */
export function localToEpoch(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  timeZone: string,
): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const first = guess - zoneOffsetMs(guess, timeZone);
  return guess - zoneOffsetMs(first, timeZone);
}

/** The local wall-clock fields of instant `t` in `timeZone` (month 1–12). */
export function localFields(t: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number } {
  const w = new Date(t + zoneOffsetMs(t, timeZone));
  return {
    y: w.getUTCFullYear(),
    mo: w.getUTCMonth() + 1,
    d: w.getUTCDate(),
    h: w.getUTCHours(),
    mi: w.getUTCMinutes(),
  };
}
