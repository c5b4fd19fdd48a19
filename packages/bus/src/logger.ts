/**
 * Where the bus reports what it recovers from on its own (a rejected batch that will be
 * redelivered, a kafkajs warning). One line per message: these end up in operators' logs.
 */
export interface BusLogger {
  warn(message: string): void;
  error(message: string): void;
}

export const consoleBusLogger: BusLogger = {
  warn: (message) => console.warn(`[bus] ${message}`),
  error: (message) => console.error(`[bus] ${message}`),
};

export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
