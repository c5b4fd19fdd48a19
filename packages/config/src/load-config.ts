import { CityopsError, ErrorCodes } from '@cityops/schema';
import { EnvSchema, type Env } from './env-schema.js';

export type Mode = 'embedded' | 'distributed';

/** An echoed value is cut here: a start-up message stays one readable line per variable. */
const MAX_SHOWN_CHARS = 80;

/**
 * Settings whose values are never written anywhere: the API keys, the Redis URL (it may hold a
 * password, and a URL that does not parse cannot be trusted to be redacted), and, for settings
 * added later, any name that says it holds a key, password, token or secret.
 */
export function isSecretSetting(name: string): boolean {
  return (
    name === 'INGEST_API_KEYS' ||
    name === 'REDIS_URL' ||
    name === 'MQTT_URL' ||
    /(?:^|_)(?:KEYS?|PASSWORD|PASS|TOKEN|SECRET|CREDENTIALS?)$/.test(name)
  );
}

/** ` (got "...")` for a setting that may be shown; a secret one says that its value is withheld. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (isSecretSetting(name)) return ' (value not shown: it may hold a secret)';
  const cut = value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}...` : value;
  return ` (got ${JSON.stringify(cut)})`;
}

/**
 * Replaces, in a message built from the schema's issues, any part of a secret setting's value:
 * the schema's own messages do not quote them today, and this keeps it so if one ever does.
 * Parts shorter than 4 characters are left: they would blank out ordinary words.
 */
export function hideSecrets(line: string, input: Record<string, string>): string {
  let out = line;
  for (const [name, value] of Object.entries(input)) {
    if (!isSecretSetting(name)) continue;
    const parts = [value, value.trim(), ...value.split(/[,\s]+/), ...urlSecrets(value)];
    // INGEST_API_KEYS entries are key:source|source; the key alone is the secret
    if (name === 'INGEST_API_KEYS') parts.push(...value.split(',').map((e) => e.split(':')[0]!.trim()));
    for (const part of [...new Set(parts)].filter((p) => p.length >= 4).sort((a, b) => b.length - a.length))
      out = out.split(part).join('[redacted]');
  }
  return out;
}

/** The user info and query values of anything URL-like, raw and decoded. */
function urlSecrets(value: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(value.trim());
  const userinfo = m ? m[1]!.split(':') : [];
  const query = value.includes('?') ? [...new URLSearchParams(value.slice(value.indexOf('?') + 1)).values()] : [];
  return [...userinfo, ...query].flatMap((p) => [p, safeDecode(p)]);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface Config extends Env {
  mode: Mode;
}

/**
 * Reads and validates the configuration from the environment. Empty strings count as unset.
 * Throws `CityopsError` `E_CFG_INVALID` whose message names every bad variable and what is wrong,
 * e.g. `PORT: must be a whole number (got "eighty")`; the value is shown only for a setting that is
 * not secret (`isSecretSetting`).
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
      return hideSecrets(`${name}: ${i.message}${shownValue(name, input[name])}`, input);
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
  const pairs: Array<[string, boolean, string]> = [
    ['MQTT_TOPICS', cfg.MQTT_URL === undefined || cfg.MQTT_TOPICS !== undefined, 'when MQTT_URL is set'],
    ['MQTT_URL', cfg.MQTT_TOPICS === undefined || cfg.MQTT_URL !== undefined, 'when MQTT_TOPICS is set'],
    ['MQTT_USERNAME', cfg.MQTT_PASSWORD === undefined || cfg.MQTT_USERNAME !== undefined, 'when MQTT_PASSWORD is set'],
  ];
  const missingPair = pairs.filter(([, ok]) => !ok).map(([n, , why]) => `${n}: must be set too ${why}`);
  if (missingPair.length > 0)
    throw new CityopsError(ErrorCodes.CFG_INVALID, `Invalid configuration:\n  ${missingPair.join('\n  ')}`);
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
