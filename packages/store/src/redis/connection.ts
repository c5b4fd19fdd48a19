import { CityopsError, ErrorCodes } from '@cityops/schema';
import type { RedisOptions } from 'ioredis';

/**
 * The URL without its secrets, for error messages and logs: the password and every query value
 * (ioredis reads query parameters as options, `?password=` among them) become `***`. A URL that
 * does not parse is not shown at all: there is no telling which part of it is the password.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...new Set(u.searchParams.keys())]) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return '(a URL that does not parse)';
  }
}

export interface ConnectionTuning {
  connectTimeoutMs: number;
  /** reconnect attempts before the *first* connection is given up (the store is then unusable) */
  firstConnectRetries: number;
  commandTimeoutMs: number;
}

/**
 * ioredis options that make an unreachable Redis fail within seconds instead of queueing
 * commands forever: a connect timeout, one retry per request, and a retry strategy that gives up
 * on the first connection after a few attempts (a bad REDIS_URL at start is a configuration error)
 * but reconnects without end once Redis has been seen (a restart or failover mid-run is weather).
 * Commands that were sent but not answered when a connection drops are re-sent after reconnect;
 * that is safe because applyBatch is idempotent by offsets and claims are SET NX.
 */
export function connectionOptions(
  tuning: ConnectionTuning,
  name: string,
): { options: RedisOptions; markReady: () => void } {
  let everReady = false;
  return {
    markReady: () => {
      everReady = true;
    },
    options: {
      connectionName: name,
      connectTimeout: tuning.connectTimeoutMs,
      commandTimeout: tuning.commandTimeoutMs,
      maxRetriesPerRequest: 1,
      enableReadyCheck: true,
      retryStrategy: (attempt) => {
        if (!everReady && attempt > tuning.firstConnectRetries) return null;
        return Math.min(100 * 2 ** attempt, 2_000);
      },
    },
  };
}

/**
 * Redis replies to a bad command (ReplyError) are bugs and pass through unchanged; everything else
 * (refused, reset, timed out, closed, retries exhausted) means the store cannot be reached.
 */
export function toStoreError(err: unknown, url: string, what: string): unknown {
  if (err instanceof CityopsError) return err;
  if (err instanceof Error && err.name === 'ReplyError') return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new CityopsError(
    ErrorCodes.STORE_UNAVAILABLE,
    `Redis at ${redactUrl(url)} is unavailable (${what}): ${reason}`,
    { url: redactUrl(url), cause: reason },
  );
}
