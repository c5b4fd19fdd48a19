/** Under the replay's 200 ms lead, so that the stamp stays `due` (see replayStamp). */
const CLOCK_STEP_MS = 100;
/** How much faster the clock runs while a re-run rushes through what was sent already. */
const FAST_FORWARD = 20;

/**
 * The clock the chaos producer gives the replay: `anchor` at the first call, then real time in
 * steps of CLOCK_STEP_MS, so the replay's own start (`wall0 = now()`) is exactly the anchor and
 * every stamp follows from the file (`replayStamp`). With `skipMs` (a re-run after a kill) it
 * first runs FAST_FORWARD times faster until it is `skipMs` ahead, then at real pace: the replay
 * sends what it had sent already as fast as the system takes it, and stamps do not change,
 * because a clock ahead of an event's due time still stamps the due time. The step is applied
 * last: after the replay waits `still` ms, the clock has moved at least `still - step`. A
 * deadline the replay measures on this clock loses at most `skipMs` of real time to the rush.
 */
export function replayClock(anchor: number, skipMs = 0, realNow: () => number = Date.now): () => number {
  const realStart = realNow();
  const rush = skipMs / FAST_FORWARD;
  return () => {
    const real = realNow() - realStart;
    const offset = real < rush ? real * FAST_FORWARD : skipMs + (real - rush);
    return anchor + Math.floor(offset / CLOCK_STEP_MS) * CLOCK_STEP_MS;
  };
}
