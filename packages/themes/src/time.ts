import { zoneOffsetMs } from '@cityops/city';

/**
 * Local time in the city's time zone (`pack.meta.timeZone`), read through `Intl` (the platform's
 * tz database, no daylight-saving arithmetic of our own). The offset is memoised per quarter hour
 * (zones change offset on quarter hours at most), so the per-event cost is a Map lookup.
 */
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** The zone's UTC offset (ms) at instant `t` (packages/city, memoised per quarter hour). */
const offsetAt = zoneOffsetMs;

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
