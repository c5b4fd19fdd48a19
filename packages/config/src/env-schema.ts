import { z } from 'zod';
import { ingestKeyList, mqttClientId, mqttTopicList, mqttUrl, singleKey } from './ingest-settings.js';

const hostPort =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

const brokerList = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .transform((s, ctx) => {
    const brokers = s.split(',').map((b) => b.trim());
    for (const b of brokers) {
      const m = hostPort.exec(b);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(b)} is not host:port (expected e.g. 127.0.0.1:9092,kafka-2:9092)`,
        });
        return z.NEVER;
      }
    }
    return brokers;
  });

const redisUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const onOff = z
  .enum(['on', 'off', 'true', 'false', '1', '0'], { message: 'must be on or off' })
  .transform((v) => v === 'on' || v === 'true' || v === '1');

const keyList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(16, 'each key must be at least 16 characters')).max(100));

// a browser origin: scheme, host and port only (e.g. https://ops.example.gov), or * for any
const isOrigin = (o: string): boolean => {
  if (o === '*') return true;
  try {
    const url = new URL(o);
    return /^https?:$/.test(url.protocol) && url.origin === o.replace(/\/$/, '');
  } catch {
    return false;
  }
};
const originList = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim().replace(/\/$/, '')))
  .pipe(
    z
      .array(z.string().refine(isOrigin, 'each entry must be an origin like https://ops.example.gov, or *'))
      .min(1)
      .max(100),
  );

/**
 * Every setting the apps read, by environment variable name. Unset values get the safe
 * default; a set value that does not parse stops start-up with a message naming the variable.
 */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(8080),
  // the aggregator's and simulator's own /metrics server; unset: none (the gateway serves /metrics on PORT)
  METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  METRICS_PORT: int(0, 65535).optional(),
  KAFKA_BROKERS: brokerList.optional(),
  KAFKA_CLIENT_ID: z.string().trim().min(1).default('cityops'),
  REDIS_URL: redisUrl.optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_.-]{1,64}$/, 'letters, digits, : _ . - only')
    .default('cityops'),
  CITY_PACK: z.string().trim().min(1).optional(),
  // `key1:ngsi-v2|open311,key2:sim.logistics,key3`: each key names the sources it may send as (none: any)
  INGEST_API_KEYS: ingestKeyList.default([]),
  // the data team's credentials: dead letters and source health (GET /api/v1/dead-letters, /api/v1/sources)
  DATA_API_KEYS: keyList.default([]),
  ADMIN_API_KEY: singleKey.optional(),
  // embedded mode's user directory (packages/identity): a JSON file, mode 0600; with REDIS_URL users live in Redis
  USERS_FILE: z.string().trim().min(1).optional(),
  // a login session's lifetime, and a wall's screen token's
  SESSION_TTL_MINUTES: int(1, 30 * 24 * 60).default(12 * 60),
  SCREEN_TOKEN_TTL_DAYS: int(1, 3650).default(365),
  // the ingest app (apps/ingest): its own port in distributed mode; the gateway asks it for source health
  INGEST_PORT: int(0, 65535).default(8090),
  INGEST_URL: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
  // MQTT: unset MQTT_URL → no MQTT subscription; MQTT_TOPICS like sensors/#=senml,fleet/+/gps=gps,city/+=json
  MQTT_URL: mqttUrl.optional(),
  MQTT_TOPICS: mqttTopicList.optional(),
  MQTT_USERNAME: z.string().min(1).max(256).optional(),
  MQTT_PASSWORD: z.string().min(1).max(256).optional(),
  MQTT_CLIENT_ID: mqttClientId.default('cityops-ingest'),
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  MAX_ITEMS_PER_REQUEST: int(1, 100_000).default(5_000),
  ALLOWED_LATENESS_MS: int(0, 24 * 3600 * 1000).default(5 * 60 * 1000),
  // sources counted by name in the vital signs (others under "other"); `name*` is a prefix; default: the simulator's
  KNOWN_SOURCES: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}\*?$/, 'each source like sim.sensors or e2e-*')).max(200))
    .default(['hotline-12345', 'sim.sensors', 'sim.logistics']),
  MAX_CLOCK_SKEW_MS: int(0, 3600 * 1000).default(2 * 60 * 1000),
  DEDUPE_TTL_MS: int(1000, 24 * 3600 * 1000).default(10 * 60 * 1000),
  DELTA_INTERVAL_MS: int(50, 10_000).default(250),
  STALE_AFTER_MS: int(1000, 3600 * 1000).default(10_000),
  AGGREGATOR_GROUP: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,100}$/, 'letters, digits, . _ - only')
    .default('cityops.aggregator.v1'),
  // 红黑榜 (packages/hotline-kpis): a street or district with fewer tickets received in the month is not ranked
  HOTLINE_MIN_RECEIVED: int(1, 1_000_000).default(30),
  // 复盘 replays of a past period (apps/gateway/src/replay): how many at once, when an unwatched one ends, how long a period
  REPLAY_MAX_CONCURRENT: int(0, 32).default(4),
  REPLAY_IDLE_TIMEOUT_MS: int(10_000, 24 * 3600 * 1000).default(10 * 60 * 1000),
  REPLAY_MAX_PERIOD_MS: int(60_000, 31 * 24 * 3600 * 1000).default(7 * 24 * 3600 * 1000),
  SIMULATOR: onOff.default(true),
  SIM_RATE: int(1, 100_000).default(200),
  SIM_SEED: int(0, 2 ** 31 - 1).default(42),
  SIM_DAY_MINUTES: int(1, 10_080).default(1440),
  SIM_INCIDENTS_PER_HOUR: int(0, 600).default(6),
  // the gateway's doors (apps/gateway): who may open a screen, and how much one client may hold
  ALLOWED_ORIGINS: originList.optional(),
  SCREEN_MAX_BUFFER_BYTES: int(16 * 1024, 64 * 1024 * 1024).default(1024 * 1024),
  MAX_SCREENS_PER_ADDRESS: int(0, 1_000_000).default(64),
  MAX_CONNECTIONS_PER_ADDRESS: int(0, 1_000_000).default(256),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000).default(5_000),
});

export type Env = z.output<typeof EnvSchema>;
