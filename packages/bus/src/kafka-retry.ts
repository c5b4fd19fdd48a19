import { describeError, type BusLogger } from './logger.js';

/** How long and how often an operation is retried while the brokers answer with a transient error. */
export interface RetryPolicy {
  /** give up (and fail with the last error) once this long has passed. */
  budgetMs: number;
  /** first wait; doubles up to `maxBackoffMs` */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * Protocol errors that kafkajs marks retriable but that mean "ask again later" only for a
 * moment. UNKNOWN_TOPIC_OR_PARTITION is retriable for kafkajs too, but here it almost always
 * means a topic that does not exist, which must fail at once (E_BUS_UNAVAILABLE).
 */
const NOT_TRANSIENT = new Set(['UNKNOWN_TOPIC_OR_PARTITION']);

/**
 * True when `err`, or anything it wraps (kafkajs wraps the last error of its own bounded retries
 * in KafkaJSNumberOfRetriesExceeded, and several in KafkaJSAggregateError), is a broker answer
 * that passes by itself: a KafkaJSProtocolError with `retriable: true` (the coordinator is
 * loading, not the coordinator, no leader yet, ...) or no group coordinator found yet. Errors
 * reaching no broker at all (connection refused, timeouts) are not: an unreachable cluster must
 * fail within seconds.
 */
export function isTransientKafkaError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return false;
    seen.add(e);
    const { name, retriable, type, cause, errors } = e as {
      name?: unknown;
      retriable?: unknown;
      type?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (name === 'KafkaJSProtocolError' && retriable === true && !NOT_TRANSIENT.has(String(type))) return true;
    if (name === 'KafkaJSGroupCoordinatorNotFound') return true;
    if (Array.isArray(errors) && errors.some(visit)) return true;
    return visit(cause);
  };
  return visit(err);
}

/**
 * Runs `fn`; while it fails with a transient broker error (isTransientKafkaError) it is run again
 * after a growing backoff, until `policy.budgetMs` has passed. Any other error, or a transient
 * one past the budget, is thrown as it is. Each retry is one warning line.
 */
export async function retryTransient<T>(
  what: string,
  fn: () => Promise<T>,
  policy: RetryPolicy,
  logger: BusLogger,
): Promise<T> {
  const deadline = Date.now() + policy.budgetMs;
  let backoff = policy.initialBackoffMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const left = deadline - Date.now();
      if (!isTransientKafkaError(err) || left <= 0) throw err;
      const wait = Math.min(backoff, left);
      logger.warn(`${what}: ${describeError(rootCause(err))}; retrying in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
      backoff = Math.min(backoff * 2, policy.maxBackoffMs);
    }
  }
}

function rootCause(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 10 && e instanceof Error && e.cause instanceof Error; i++) e = e.cause;
  return e;
}
