import { ErrorCodes } from '@cityops/schema';
import { defineAdapter, type Mapped } from '../types.js';
import { formatOf, mapMessage, type MqttInput } from './map.js';
import { MqttOptions } from './options.js';
import { MqttSubscription } from './subscription.js';

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
    if (typeof topic === 'string' && formatOf(topic, options)?.format === 'gps')
      return [
        {
          ok: false,
          code: ErrorCodes.ADP_UNSUPPORTED_TYPE,
          reason: 'GPS over MQTT needs the GPS row mapper of the gps adapter, not built yet',
        },
      ];
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
