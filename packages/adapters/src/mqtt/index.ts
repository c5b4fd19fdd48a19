import { ErrorCodes } from '@cityops/schema';
import { GpsOptions, mapGpsRecord } from '../gps/index.js';
import { defineAdapter, type MapContext, type Mapped } from '../types.js';
import { formatOf, mapMessage, type MqttInput } from './map.js';
import { MqttOptions } from './options.js';
import { MqttSubscription } from './subscription.js';
import { wildcardLevels } from './topics.js';

export { MqttOptions, DEFAULT_KIND_RULES, KindRule, MqttFormat, type MqttOptionsInput } from './options.js';
export { mapMessage, mapSenml, mapPlain, kindOf, stableId, formatOf, type MqttInput } from './map.js';
export { resolveSenml, SENML_RELATIVE_LIMIT, type ResolvedRecord, type SenmlResolution } from './senml.js';
export { topicMatches, wildcardLevels } from './topics.js';
export { MqttSubscription } from './subscription.js';
export { AckQueue } from './acks.js';

/** The envelope source of everything the MQTT adapter ingests. */
export const MQTT_SOURCE = 'mqtt';

/**
 * MQTT subscriptions (QoS 1, persistent session) whose payloads are SenML JSON (RFC 8428), our
 * plain JSON, or GPS rows, by topic filter (`MQTT_TOPICS`). A bad message is dead-lettered with
 * its bytes and a reason; the subscription goes on. PUBACK only after the host settled a message.
 */
export const mqttAdapter = defineAdapter<MqttOptions>({
  name: 'mqtt',
  description:
    'MQTT subscriptions: SenML JSON (RFC 8428), plain JSON readings, GPS rows; QoS 1, acknowledged after ingest',
  source: MQTT_SOURCE,
  options: MqttOptions,
  map(input, ctx, options): Mapped[] {
    const topic = (input as Partial<MqttInput> | null)?.topic;
    const route = typeof topic === 'string' ? formatOf(topic, options) : undefined;
    if (route?.format === 'gps') return mapGpsMessage(input as MqttInput, route.filter, ctx, options);
    return mapMessage(input, ctx, options);
  },
  async start(io, options) {
    const sub = new MqttSubscription(io, options, (topic, payload) => [
      { topic, payload: payload.toString('utf8') } satisfies MqttInput,
    ]);
    sub.start();
    return () => sub.stop();
  },
});

const GPS_DEFAULTS = GpsOptions.parse({});

/**
 * GPS over MQTT (`fleet/+/gps=gps`): the payload is one position record or an array of them, in
 * the GPS adapter's fields (vehicle/time/lon/lat, optional speed, heading, company, parcels), mapped
 * by its row mapper. A record without a vehicle id takes the topic level the filter's first `+`
 * matched (`fleet/<vehicle>/gps`). The envelope source is the MQTT adapter's.
 */
function mapGpsMessage(input: MqttInput, filter: string, ctx: MapContext, options: MqttOptions): Mapped[] {
  if (typeof input.payload !== 'string')
    return [{ ok: false, code: ErrorCodes.ADP_BAD_INPUT, reason: 'an MQTT input is { topic, payload }' }];
  let body: unknown;
  try {
    body = JSON.parse(input.payload);
  } catch (err) {
    return [
      {
        ok: false,
        code: ErrorCodes.EVT_NOT_JSON,
        reason: `gps payload on ${input.topic.slice(0, 100)} is not JSON: ${(err as Error).message}`,
      },
    ];
  }
  const records = Array.isArray(body) ? body : [body];
  if (records.length === 0) return [{ ok: false, code: ErrorCodes.ADP_BAD_INPUT, reason: 'the GPS array is empty' }];
  const vehicle = wildcardLevels(filter, input.topic)[0];
  return records.flatMap((r) => {
    const rec =
      vehicle !== undefined &&
      typeof r === 'object' &&
      r !== null &&
      !Array.isArray(r) &&
      !hasVehicle(r as Record<string, unknown>)
        ? { vehicle_id: vehicle, ...(r as Record<string, unknown>) }
        : r;
    return mapGpsRecord(rec, ctx, options.gps ?? GPS_DEFAULTS).map((m) =>
      m.ok ? { ok: true as const, event: { ...m.event, source: MQTT_SOURCE } } : m,
    );
  });
}

const VEHICLE_KEYS = new Set([
  'vehicle',
  'vehicle_id',
  'vehicleid',
  'track_id',
  'taxi_id',
  'taxiid',
  'id',
  'device_id',
  'car_id',
  'plate',
]);

function hasVehicle(r: Record<string, unknown>): boolean {
  return Object.keys(r).some((k) => VEHICLE_KEYS.has(k.trim().toLowerCase()));
}
