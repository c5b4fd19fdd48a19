import { CityopsError, ErrorCodes } from '@cityops/schema';
import { EnvSchema, type Env } from './env-schema.js';

export type Mode = 'embedded' | 'distributed';

export interface Config extends Env {
  mode: Mode;
}

/**
 * Reads and validates the configuration from the environment. Empty strings count as unset.
 * Throws `CityopsError` `E_CFG_INVALID` whose message names every bad variable, e.g.
 * `KAFKA_BROKERS: "not a host" is not host:port`.
 * Mode: both `KAFKA_BROKERS` and `REDIS_URL` set → distributed; neither → embedded; one alone is an error.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(EnvSchema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value;
  }
  const result = EnvSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const name = String(i.path[0] ?? '(env)');
      const shown = name in input ? ` (got ${JSON.stringify(input[name])})` : '';
      return `${name}: ${i.message}${shown}`;
    });
    throw new CityopsError(ErrorCodes.CFG_INVALID, `Invalid configuration:\n  ${lines.join('\n  ')}`, lines);
  }
  const cfg = result.data;
  if (Boolean(cfg.KAFKA_BROKERS) !== Boolean(cfg.REDIS_URL)) {
    const missing = cfg.KAFKA_BROKERS ? 'REDIS_URL' : 'KAFKA_BROKERS';
    throw new CityopsError(
      ErrorCodes.CFG_INVALID,
      `Invalid configuration:\n  ${missing}: must be set too; distributed mode needs both KAFKA_BROKERS and REDIS_URL (set neither for embedded mode)`,
    );
  }
  return { ...cfg, mode: cfg.KAFKA_BROKERS ? 'distributed' : 'embedded' };
}

/** For an app's main: load the config or print the reason and exit with status 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
}
