import type { Config } from '@cityops/config';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** One line per message on stderr: `time level app message {fields}`; stdout stays for the URL. */
export function createLogger(app: string, level: Config['LOG_LEVEL'] = 'info'): Logger {
  const min = order[level];
  const write = (lvl: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < min) return;
    const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`${new Date().toISOString()} ${lvl.padEnd(5)} ${app}: ${msg}${extra}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
