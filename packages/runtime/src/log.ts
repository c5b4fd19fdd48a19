import { pino, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '@cityops/config';
import { REDACTED, orderSecrets, scrub, scrubFields, secretsOf } from './secrets.js';

export type Level = Config['LOG_LEVEL'];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level?: Level;
  /** values never written: replaced by `[redacted]` wherever they appear, in the message or a field */
  secrets?: readonly string[];
  /** human-readable lines instead of JSON; default: when stderr is a terminal */
  pretty?: boolean;
  /** where lines go; default stderr (stdout carries only the `cityops ready: <url>` line) */
  destination?: DestinationStream;
}

/**
 * Field paths censored whatever their value: the settings that hold secrets (a config logged
 * whole, or one of its fields), credentials by their usual names, and the headers that carry them.
 */
export const REDACTED_PATHS = [
  'INGEST_API_KEYS',
  'REDIS_URL',
  '*.INGEST_API_KEYS',
  '*.REDIS_URL',
  'DATA_API_KEYS',
  '*.DATA_API_KEYS',
  'ADMIN_API_KEY',
  '*.ADMIN_API_KEY',
  'MQTT_URL',
  '*.MQTT_URL',
  'MQTT_PASSWORD',
  '*.MQTT_PASSWORD',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'apiKeys',
  '*.apiKeys',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

/** Logger settings for an app from its config: its level, and its secret values to scrub. */
export function loggerOptionsFor(config: Config): LoggerOptions {
  return { level: config.LOG_LEVEL, secrets: secretsOf(config) };
}

/** Human-readable when a person is watching (stderr is a terminal), JSON lines for a log stack otherwise. */
export function prettyByDefault(stderr: { isTTY?: boolean } = process.stderr): boolean {
  return stderr.isTTY === true;
}

/**
 * A pino logger behind the project's `Logger` interface: one JSON record per line on stderr
 * (`time`, `level`, `app`, `pid`, `msg`, the fields), or a readable line when stderr is a
 * terminal. Fields on `REDACTED_PATHS` are censored by pino; the given secret values are scrubbed
 * from the message and every field string before pino sees them. Writes are synchronous, so the
 * line about a failed start-up is out before the process exits.
 */
export function createLogger(app: string, options: Level | LoggerOptions = {}): Logger {
  const o: LoggerOptions = typeof options === 'string' ? { level: options } : options;
  const secrets = orderSecrets(o.secrets ?? []);
  const out = pino(
    {
      level: o.level ?? 'info',
      base: { app, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
    },
    destinationOf(o),
  );
  const write = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (!out.isLevelEnabled(level)) return;
    const text = scrub(msg, secrets);
    if (fields && Object.keys(fields).length > 0) out[level](scrubFields(fields, secrets) as object, text);
    else out[level](text);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function destinationOf(o: LoggerOptions): DestinationStream {
  const readable = o.pretty ?? prettyByDefault();
  if (!readable) return o.destination ?? pino.destination({ dest: 2, sync: true });
  // prettyFactory formats in the caller's turn (pino-pretty's stream would format later, and a
  // line written just before process.exit would be lost)
  const format = pretty.prettyFactory({
    colorize: o.destination === undefined && pretty.isColorSupported,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,app',
    messageFormat: '{app}: {msg}',
  });
  const sink = o.destination ?? process.stderr;
  return { write: (line: string) => sink.write(format(line)) };
}
