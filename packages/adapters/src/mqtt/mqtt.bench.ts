import { bench, describe } from 'vitest';
import { createMapContext } from '../context.js';
import { NOW } from '../test/rig.js';
import { mqttAdapter, MqttOptions } from './index.js';

/**
 * MQTT: map() against JSON.parse of the same bytes (`npx vitest bench --run src/mqtt`). The end to
 * end figure (publish → counted) is measured and logged by mqtt.itest.ts.
 */
const N = 2000;
const t0 = NOW / 1000;
const options = MqttOptions.parse({
  url: 'mqtt://127.0.0.1:1',
  topics: [
    { filter: 'b/senml/#', format: 'senml' },
    { filter: 'b/json/+', format: 'json' },
  ],
});
const ctx = createMapContext({ now: () => NOW, devices: new Map() });
const senml = (i: number) =>
  JSON.stringify([
    { bn: `urn:dev:mac:${(1e6 + (i % 500)).toString(16)}:`, bt: t0 - 200 + (i % 100), n: 'level', u: 'm', v: i / 1000 },
    { n: 'lon', u: 'lon', v: 121.4737 },
    { n: 'lat', u: 'lat', v: 31.2304 },
  ]);
const plain = (i: number) =>
  JSON.stringify({
    deviceId: `ns-${i % 500}`,
    kind: 'noise',
    value: 60,
    unit: 'dB',
    time: (t0 - 200) * 1000 + i,
    lon: 121.4451,
    lat: 31.2235,
  });
const senmlInputs = Array.from({ length: N }, (_, i) => ({ topic: `b/senml/g${i % 10}`, payload: senml(i) }));
const plainInputs = Array.from({ length: N }, (_, i) => ({ topic: `b/json/ns-${i % 500}`, payload: plain(i) }));

describe(`map ${N} messages (events/s = ${N} / time)`, () => {
  bench('JSON.parse of the SenML payloads', () => {
    for (const m of senmlInputs) JSON.parse(m.payload);
  });
  bench('mqtt map(): SenML → envelopes', () => {
    for (const m of senmlInputs) mqttAdapter.map(m, ctx, options);
  });
  bench('JSON.parse of the plain payloads', () => {
    for (const m of plainInputs) JSON.parse(m.payload);
  });
  bench('mqtt map(): plain JSON → envelopes', () => {
    for (const m of plainInputs) mqttAdapter.map(m, ctx, options);
  });
});
