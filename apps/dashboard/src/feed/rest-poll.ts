/**
 * What a REST-fed widget knows (the 接诉即办 KPIs, `GET /api/v1/hotline/kpis`, are not on the socket).
 * The same shape as the scenes' polled figures (`scenes/use-polled.ts`): the last good body, the
 * server's time of that fetch (local time + the feed's clock offset, so the age is on the same
 * clock as every other widget's), and why the last fetch failed.
 */
export interface RestState<T> {
  data: T | null;
  /** server-clock ms of the last fetch that worked, null before one */
  okAt: number | null;
  /** why the last fetch failed: `network` (no answer), `HTTP <status>`, `bad body`; null when it worked */
  error: string | null;
}
