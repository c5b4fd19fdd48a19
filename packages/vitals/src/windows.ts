/** Width of a counter bucket in event time. Rolling windows are whole numbers of buckets. */
export const BUCKET_MS = 10_000;
/** The rolling windows the screens show. */
export const WINDOW_M1_MS = 60_000;
export const WINDOW_M15_MS = 15 * 60_000;

/** Start of the bucket holding event time `t` (epoch ms). */
export function bucketOf(t: number): number {
  return Math.floor(t / BUCKET_MS) * BUCKET_MS;
}
