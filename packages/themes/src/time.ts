/**
 * Local time in the city's time zone (`pack.meta.timeZone`), read through `Intl` (the platform's
 * tz database, no daylight-saving arithmetic of our own). The offset is memoised per quarter hour
 * (zones change offset on quarter hours at most), so the per-event cost is a Map lookup.
 */
const MIN = 60_000;
const QUARTER = 15 * MIN;
const DAY = 24 * 60 * MIN;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's UTC offset (ms) at instant `t`. */
export function offsetAt(t: number, timeZone: string): number {
  const slot = Math.floor(t / QUARTER);
  const key = `${timeZone}|${slot}`;
  const hit = offsets.get(key);
  if (hit !== undefined) return hit;
  const at = slot * QUARTER;
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  const off = Math.round((wall - at) / MIN) * MIN;
  if (offsets.size > 20_000) offsets.clear();
  offsets.set(key, off);
  return off;
}

/** Minute of the local day, 0..1439. */
export function localMinuteOfDay(t: number, timeZone: string): number {
  const local = t + offsetAt(t, timeZone);
  return Math.floor((((local % DAY) + DAY) % DAY) / MIN);
}

/** Hour of the local week, 0 = Monday 00:00 .. 167 = Sunday 23:00. */
export function hourOfWeek(t: number, timeZone: string): number {
  const local = t + offsetAt(t, timeZone);
  const day = Math.floor(local / DAY);
  const dow = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  return dow * 24 + Math.floor(localMinuteOfDay(t, timeZone) / 60);
}

/**
 * Dark, for street lights: a fixed evening and morning in the city's local time, from 18:30 to
 * 05:30 (the simulator's switching times; the sun's times are not modelled). `lighting.outShare`
 * only speaks of readings taken in the dark.
 */
export const DARK_FROM_MIN = 18 * 60 + 30;
export const DARK_UNTIL_MIN = 5 * 60 + 30;

export function isDark(t: number, timeZone: string): boolean {
  const m = localMinuteOfDay(t, timeZone);
  return m >= DARK_FROM_MIN || m < DARK_UNTIL_MIN;
}

/** GB 3096 "day" for the noise limit: 06:00–22:00 local. */
export function isNoiseDay(t: number, timeZone: string): boolean {
  const m = localMinuteOfDay(t, timeZone);
  return m >= 6 * 60 && m < 22 * 60;
}
