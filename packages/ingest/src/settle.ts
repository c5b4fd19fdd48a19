import { CityopsError, ErrorCodes, isCityopsError } from '@cityops/schema';

/** How one send of some events was answered; `retry` holds indexes into the events sent. */
export interface SettleAnswer {
  accepted: number;
  duplicates: number;
  rejected: Array<{ code: string }>;
  /** events answered "retry" (E_EVT_IN_FLIGHT): to be sent again */
  retry: number[];
}

export interface SettleOptions {
  /** the events still unsettled this long after the first send are given up (UnsettledError) */
  deadlineMs: number;
  /** whether a thrown error means "send the same again later" (503, connection reset, port down) */
  retryable: (err: unknown) => boolean;
  /** wait before resend number `attempt` (from 0); default 250 ms doubling, at most 5 s */
  backoffMs?: (attempt: number) => number;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
  /** told before each resend: how many events, and why */
  onResend?: (events: number, reason: string) => void;
}

export interface SettleTotals {
  accepted: number;
  duplicates: number;
  rejected: Array<{ code: string }>;
  /** sends after the first */
  resends: number;
}

/** Some events were still unsettled at the deadline; `unsettled` says how many. */
export class UnsettledError extends CityopsError {
  constructor(
    readonly unsettled: number,
    readonly totals: SettleTotals,
    code: CityopsError['code'],
    reason: string,
    deadlineMs: number,
  ) {
    super(
      code,
      `${unsettled} events unsettled after resending them for ${Math.round(deadlineMs / 1000)} s (last: ${reason})`,
      { unsettled, totals },
    );
    this.name = 'UnsettledError';
  }
}

export const defaultBackoff = (attempt: number): number => Math.min(5_000, 250 * 2 ** attempt);

/**
 * Sends `events` until each one is settled (accepted, duplicate or rejected): what is answered
 * "retry" is sent again, and so is everything after an error `retryable` accepts, with backoff,
 * until `deadlineMs` after the first send; then it throws `UnsettledError` naming how many are
 * left. Any other error is thrown as it is. A resend of events that did get through (a lost
 * answer) is answered "duplicate" by ingest's dedupe, so nothing is counted twice.
 */
export async function sendUntilSettled<T>(
  events: T[],
  send: (events: T[]) => Promise<SettleAnswer>,
  o: SettleOptions,
): Promise<SettleTotals> {
  const now = o.now ?? Date.now;
  const wait = o.wait ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const backoff = o.backoffMs ?? defaultBackoff;
  const deadline = now() + o.deadlineMs;
  const totals: SettleTotals = { accepted: 0, duplicates: 0, rejected: [], resends: 0 };
  let left = events;
  for (let attempt = 0; left.length > 0; attempt++) {
    let reason: string;
    let code: CityopsError['code'];
    try {
      const answer = await send(left);
      totals.accepted += answer.accepted;
      totals.duplicates += answer.duplicates;
      totals.rejected.push(...answer.rejected);
      const sent = left;
      left = answer.retry.map((i) => {
        // an index that names no event sent would silently drop one: a broken answer, not a retry
        if (!Number.isInteger(i) || i < 0 || i >= sent.length) throw new RangeError(`retry index ${i} out of range`);
        return sent[i]!;
      });
      if (left.length === 0) break;
      reason = `${left.length} answered ${ErrorCodes.EVT_IN_FLIGHT}`;
      code = ErrorCodes.EVT_IN_FLIGHT;
    } catch (err) {
      if (!o.retryable(err)) throw err;
      reason = err instanceof Error ? err.message : String(err);
      code = isCityopsError(err) ? err.code : ErrorCodes.BUS_UNAVAILABLE;
    }
    const pause = Math.min(backoff(attempt), deadline - now());
    if (pause <= 0) throw new UnsettledError(left.length, totals, code, reason, o.deadlineMs);
    o.onResend?.(left.length, reason);
    await wait(pause);
    totals.resends++;
  }
  return totals;
}
