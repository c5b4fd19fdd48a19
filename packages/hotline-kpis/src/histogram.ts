/**
 * The fixed-bucket histogram of minutes that the online medians come from (counters cannot hold a
 * list of times). Bins are 1 min wide below 1 h, 2 min to 3 h, 5 min to 10 h, 15 min to 24 h and
 * 60 min to 7 days; one open bin holds 7 days and more. A median read from it is the midpoint of
 * its bin (the mean of two midpoints for an even count), so it is within half a bin of the exact
 * one: at most 0.5 min below 1 h, 1 min below 3 h, 2.5 min below 10 h, 7.5 min below 24 h and
 * 30 min below 7 days; beyond 7 days it reads 7 days (10,080 min).
 */
const SEGMENTS: ReadonlyArray<readonly [from: number, to: number, width: number]> = [
  [0, 60, 1],
  [60, 180, 2],
  [180, 600, 5],
  [600, 1440, 15],
  [1440, 10080, 60],
];
const FIRST_BIN: number[] = [];
{
  let n = 0;
  for (const [from, to, w] of SEGMENTS) {
    FIRST_BIN.push(n);
    n += (to - from) / w;
  }
  FIRST_BIN.push(n);
}
/** the open bin: 7 days and more */
export const OVERFLOW_BIN = FIRST_BIN[SEGMENTS.length]!;
export const HISTOGRAM_OPEN_FROM_MIN = 10080;

/** The bin of a duration in minutes (negative durations, a clock skew, count as 0). */
export function binOf(minutes: number): number {
  const m = Math.max(0, minutes);
  for (let i = 0; i < SEGMENTS.length; i++) {
    const [from, to, w] = SEGMENTS[i]!;
    if (m < to) return FIRST_BIN[i]! + Math.floor((m - from) / w);
  }
  return OVERFLOW_BIN;
}

/** The value a bin stands for: its midpoint (the open bin: its lower edge). */
export function binValue(bin: number): number {
  if (bin >= OVERFLOW_BIN) return HISTOGRAM_OPEN_FROM_MIN;
  for (let i = SEGMENTS.length - 1; i >= 0; i--) {
    if (bin >= FIRST_BIN[i]!) {
      const [from, , w] = SEGMENTS[i]!;
      return from + (bin - FIRST_BIN[i]!) * w + w / 2;
    }
  }
  return 0;
}

/** The median of a histogram (bin → count), or null when it is empty; see the error bound above. */
export function histogramMedian(bins: ReadonlyMap<number, number>): number | null {
  const sorted = [...bins].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const lo = Math.floor((total - 1) / 2);
  const hi = Math.floor(total / 2);
  let seen = 0;
  let vLo: number | undefined;
  let vHi: number | undefined;
  for (const [bin, n] of sorted) {
    if (vLo === undefined && lo < seen + n) vLo = binValue(bin);
    if (hi < seen + n) {
      vHi = binValue(bin);
      break;
    }
    seen += n;
  }
  return (vLo! + vHi!) / 2;
}

/** The exact median of a list of numbers, or null when it is empty. */
export function exactMedian(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
