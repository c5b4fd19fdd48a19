import { CityopsError, ErrorCodes } from '@cityops/schema';
import { describeError } from './logger.js';

/**
 * Any failure to reach or use the brokers as the one stable code, naming the brokers so that
 * an operator sees at once which address the process tried.
 */
export function busUnavailable(brokers: string[], doing: string, err: unknown): CityopsError {
  if (err instanceof CityopsError) return err;
  return new CityopsError(
    ErrorCodes.BUS_UNAVAILABLE,
    `Kafka at ${brokers.join(',')} failed to ${doing}: ${describeError(err)}`,
    { brokers, cause: err },
  );
}

export function busClosed(): CityopsError {
  return new CityopsError(ErrorCodes.BUS_CLOSED, 'the Kafka bus is closed');
}

/** rejects with `onTimeout()` when `promise` has not settled after `ms` */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
