import type { BusLogger } from '@cityops/bus';
import type { Logger } from './log.js';

/** The bus's (and kafkajs's) warnings and errors through the app's logger, tagged as the bus's. */
export function busLoggerOf(log: Logger): BusLogger {
  return {
    warn: (message) => log.warn(message, { component: 'bus' }),
    error: (message) => log.error(message, { component: 'bus' }),
  };
}
