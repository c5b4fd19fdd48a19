import { SensorKind } from '@cityops/schema';
import { z } from 'zod';
import { GpsOptions } from '../gps/index.js';

/** How a topic's payloads are read: SenML JSON (RFC 8428), our plain JSON, or GPS rows. */
export const MqttFormat = z.enum(['senml', 'json', 'gps']);
export type MqttFormat = z.infer<typeof MqttFormat>;

/**
 * One rule of the SenML → sensor kind table. A record matches when its name (the part after the
 * base name, else the last segment of the whole name) matches `name` (a case-insensitive regular
 * expression) and, when given, its unit is one of `units`. The first matching rule wins.
 */
export const KindRule = z
  .object({
    name: z.string().min(1).max(200).optional(),
    units: z.array(z.string().min(1).max(16)).min(1).optional(),
    kind: SensorKind,
  })
  .strict()
  .refine((r) => r.name !== undefined || r.units !== undefined, 'a rule needs a name pattern or units');
export type KindRule = z.infer<typeof KindRule>;

/**
 * The default table (documented in the README). Names first: a record called `level` in `m` is a
 * water level, a record called `speed` in `m/s` a traffic speed. Units alone only where they
 * say one thing in a city sensor network: `dB`/`dBA`/`Bspl` noise, `ug/m3`/`ppm` air quality.
 * Temperature (`Cel`), humidity (`%RH`), battery (`%EL`), voltage and current have no sensor
 * kind in envelope v1 and are dead-lettered E_ADP_UNSUPPORTED_TYPE unless a rule maps them.
 */
export const DEFAULT_KIND_RULES: KindRule[] = [
  {
    name: '(^|[^a-z])(water[-_.]?level|waterlevel|wl|level|depth|ponding)$',
    units: ['m', 'cm', 'mm'],
    kind: 'water_level',
  },
  { name: '(^|[^a-z])(noise|sound|spl|laeq|lamax)$', kind: 'noise' },
  { name: '(^|[^a-z])(pm2[._]?5|pm10|aqi|no2|o3|so2|co|air[-_.]?quality)$', kind: 'air_quality' },
  { name: '(^|[^a-z])(speed|traffic[-_.]?speed|avg[-_.]?speed)$', units: ['m/s', 'km/h'], kind: 'traffic_speed' },
  { name: '(^|[^a-z])(lamp|light|street[-_.]?light|dimming)$', kind: 'street_light' },
  { name: '(^|[^a-z])(tilt|cover|manhole|angle|inclination)$', kind: 'manhole_cover' },
  { units: ['dB', 'dBA', 'Bspl'], kind: 'noise' },
  { units: ['ug/m3', 'ppm', 'ppb'], kind: 'air_quality' },
];

export const MqttTopicOption = z.object({ filter: z.string().min(1).max(1024), format: MqttFormat }).strict();

export const MqttOptions = z
  .object({
    /** mqtt://host:1883 (MQTT_URL) */
    url: z.string().min(1),
    /** topic filters and the format of their payloads (MQTT_TOPICS); the first matching filter decides */
    topics: z.array(MqttTopicOption).min(1).max(100),
    /** stable client id: the broker keeps the QoS 1 session (clean: false) under it (MQTT_CLIENT_ID) */
    clientId: z
      .string()
      .regex(/^[a-zA-Z0-9._-]{1,64}$/)
      .default('cityops-ingest'),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** GPS topics: the GPS adapter's options (category, speed unit, company) */
    gps: GpsOptions.optional(),
    /** SenML name/unit → sensor kind, first match wins */
    kinds: z.array(KindRule).max(200).default(DEFAULT_KIND_RULES),
    /** messages received but not yet settled (not yet acknowledged) before reading pauses */
    maxUnsettled: z.number().int().min(1).max(100_000).default(2_000),
    /** pause before reconnecting after the connection is lost */
    reconnectPeriodMs: z.number().int().min(10).max(60_000).default(1_000),
    connectTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    keepaliveS: z.number().int().min(1).max(3_600).default(30),
  })
  .strict();
export type MqttOptions = z.output<typeof MqttOptions>;
export type MqttOptionsInput = z.input<typeof MqttOptions>;
