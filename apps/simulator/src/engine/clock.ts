/**
 * Simulated time and the city's daily rhythm. Simulated time is epoch milliseconds handed in by
 * the caller (never read from the machine's clock), and the rhythm is read in Shanghai local time
 * (UTC+8, no daylight saving), so a scenario is the same on every machine and in every time zone.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const SHANGHAI_OFFSET_MS = 8 * HOUR;

/** Local hour of day in [0, 24) at simulated time `t`. */
export function hourOfDay(t: number): number {
  const local = (((t + SHANGHAI_OFFSET_MS) % DAY) + DAY) % DAY;
  return local / HOUR;
}

/** A bump centred on `centre` (hours) with width `width`, wrapping around midnight. */
function bump(h: number, centre: number, width: number): number {
  const d = Math.min(Math.abs(h - centre), 24 - Math.abs(h - centre));
  return Math.exp(-(d * d) / (2 * width * width));
}

/** People awake and out: low at night, a broad day, an evening shoulder. 0.1 .. 1. */
export function peopleActivity(h: number): number {
  return Math.min(1, 0.1 + 0.75 * bump(h, 14, 4.5) + 0.35 * bump(h, 20, 2));
}

/** Road congestion, 0 (free flow) .. 1: the morning and evening rush. */
export function congestion(h: number): number {
  return Math.min(1, 0.08 + 0.85 * bump(h, 8.25, 0.9) + 0.9 * bump(h, 18, 1.1) + 0.3 * bump(h, 13, 2.5));
}

/** True in the two rush hours, when a stopped van hurts most. */
export function isRushHour(h: number): boolean {
  return (h >= 7 && h < 9.5) || (h >= 17 && h < 19.5);
}

/** Express delivery on the streets (快递): morning and afternoon delivery peaks. 0 .. 1. */
export function parcelActivity(h: number): number {
  if (h < 6.5 || h > 21.5) return 0;
  return Math.min(1, 0.15 + 0.85 * bump(h, 10.5, 1.3) + 0.8 * bump(h, 15.5, 1.5) + 0.2 * bump(h, 19, 1.2));
}

/** Food delivery (外卖): lunch and dinner peaks, quiet late at night. 0 .. 1. */
export function foodActivity(h: number): number {
  return Math.min(1, 0.05 + 0.95 * bump(h, 11.75, 0.9) + 0.9 * bump(h, 18.25, 1.1) + 0.15 * bump(h, 22, 1.5));
}

/** 12345 calls: few at night, most in the working day, a second wind in the evening. */
export function hotlineActivity(h: number): number {
  return 0.08 + 0.9 * bump(h, 10.5, 2.2) + 0.75 * bump(h, 15.5, 2) + 0.45 * bump(h, 20.5, 1.5);
}

/** Street lights are switched on between dusk and dawn. */
export function lightsOn(h: number): boolean {
  return h >= 18.5 || h < 5.5;
}

/** Mean of `f` over the day, for turning a daily shape into a rate whose daily average is given. */
export function dailyMean(f: (h: number) => number): number {
  let s = 0;
  for (let i = 0; i < 288; i++) s += f(i / 12);
  return s / 288;
}

/** Maximum of `f` over the day, for Poisson thinning. */
export function dailyMax(f: (h: number) => number): number {
  let m = 0;
  for (let i = 0; i < 1440; i++) m = Math.max(m, f(i / 60));
  return m;
}
