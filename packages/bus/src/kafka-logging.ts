import { logLevel, type logCreator } from 'kafkajs';
import type { BusLogger } from './logger.js';

/** Context fields worth one line in an operator's log; kafkajs attaches many more. */
const CONTEXT_FIELDS = ['groupId', 'topic', 'partition', 'broker', 'error', 'retryCount'] as const;

/**
 * A kafkajs log creator that keeps warnings and errors only, one line each, through the bus
 * logger. kafkajs's default logger prints JSON blobs with stack traces for routine events
 * (rebalances, retries), which drown the operator's console.
 */
export function quietKafkaLogCreator(logger: BusLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      if (level > logLevel.WARN) return;
      const record = log as Record<string, unknown>;
      // KafkaBus bounds producer retries on purpose (an unreachable broker must fail, not hang);
      // downstream dedupes by event id, so the warning about it is noise on every start.
      if (String(record.message).startsWith('Limiting retries for the idempotent producer')) return;
      const context = CONTEXT_FIELDS.filter((f) => record[f] !== undefined && record[f] !== '')
        .map((f) => `${f}=${String(record[f])}`)
        .join(' ');
      const line = `kafkajs ${namespace}: ${String(record.message)}${context ? ` (${context})` : ''}`.replace(
        /\s*\n\s*/g,
        ' ',
      );
      if (level === logLevel.ERROR) logger.error(line);
      else logger.warn(line);
    };
}
