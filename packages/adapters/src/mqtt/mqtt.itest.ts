import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics } from '@cityops/schema';
import { eventually, realMqttUrl, uniqueName } from '@cityops/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CategoryMappingData } from '../context.js';
import { openHost, readAll, NOW, type HostRig } from '../test/rig.js';
import { mqttAdapter, type MqttOptionsInput } from './index.js';

/**
 * The MQTT adapter against a real Mosquitto: the shared broker of `npm run infra:up` (MQTT_URL),
 * and a private one this suite starts on a free port and restarts by its pid.
 */
const SHARED = realMqttUrl();
const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const mapping: CategoryMappingData = {
  adapter: 'mqtt',
  fallback: 'E.10.01',
  codes: { water_level: 'P.01.10', noise: 'P.03.06' },
};
const t0 = NOW / 1000;

const open: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close().catch(() => undefined);
});

async function host(url: string, prefix: string, clientId: string, ingest = {}): Promise<HostRig> {
  const rig = await openHost({ mappings: { mqtt: mapping }, maxBatchWaitMs: 2 }, ingest);
  const options: MqttOptionsInput = {
    url,
    clientId,
    topics: [
      { filter: `${prefix}/senml/#`, format: 'senml' },
      { filter: `${prefix}/json/+`, format: 'json' },
    ],
    reconnectPeriodMs: 200,
    connectTimeoutMs: 2_000,
    keepaliveS: 5,
  };
  rig.host.add(mqttAdapter, options);
  await rig.host.start();
  open.push(() => rig.close());
  return rig;
}

async function publisher(url: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId: uniqueName('pub'), clean: true, reconnectPeriod: 200 });
  open.push(() => c.endAsync());
  return c;
}

const health = (rig: HostRig) => rig.host.health()[0]!;
const connected = (rig: HostRig) =>
  eventually(() => (health(rig).connection === 'connected' ? true : undefined), 15_000, 'connected');

const senml = (device: string, secondsBefore: number, v: number) =>
  JSON.stringify([
    { bn: `urn:dev:mac:${device}:`, bt: t0 - secondsBefore, n: 'level', u: 'm', v },
    { n: 'lon', u: 'lon', v: 121.4737 },
    { n: 'lat', u: 'lat', v: 31.2304 },
  ]);
const plain = (device: string, secondsBefore: number) =>
  JSON.stringify({
    deviceId: device,
    kind: 'noise',
    value: 60,
    unit: 'dB',
    time: (t0 - secondsBefore) * 1000,
    lon: 121.4451,
    lat: 31.2235,
  });

/** Dead letters on the rig's bus, parsed. */
async function deadLetters(rig: HostRig): Promise<Array<{ code: string; raw: string; source: string }>> {
  return (await readAll(rig.bus, Topics.dlq)).map((r) => JSON.parse(String(r.value)) as never);
}

describe('MQTT adapter on the shared Mosquitto (MQTT_URL)', () => {
  it('ingests SenML and plain JSON, dead-letters bad messages with their bytes, and keeps its subscription', async () => {
    const prefix = uniqueName('itest-mqtt');
    const rig = await host(SHARED, prefix, uniqueName('cityops-itest'));
    await connected(rig);
    const pub = await publisher(SHARED);
    await pub.publishAsync(`${prefix}/senml/g1`, senml('0024befffe804ff1', 60, 0.12), { qos: 1 });
    await pub.publishAsync(`${prefix}/json/ns-1`, plain('ns-1', 30), { qos: 1 });
    await pub.publishAsync(`${prefix}/senml/g1`, '[{"bn":"x", "v": ', { qos: 1 }); // not JSON
    await pub.publishAsync(`${prefix}/senml/t`, '[{"n":"urn:dev:ow:10e2073a01080063","u":"Cel","v":23.1}]', { qos: 1 });
    await pub.publishAsync(`${prefix}/json/x`, '{"kind":"noise"}', { qos: 1 });
    // after the bad ones, a good one still arrives
    await pub.publishAsync(`${prefix}/senml/g2`, senml('0024befffe804ff2', 20, 0.2), { qos: 1 });
    await eventually(
      () => (health(rig).accepted === 3 && health(rig).deadLettered === 3 ? true : undefined),
      20_000,
      'counts',
    );
    const dead = await deadLetters(rig);
    expect(dead.map((d) => d.code).sort()).toEqual(['E_ADP_BAD_INPUT', 'E_ADP_UNSUPPORTED_TYPE', 'E_EVT_NOT_JSON']);
    expect(dead.every((d) => d.source === 'mqtt')).toBe(true);
    // the original bytes of each bad message are in its dead letter
    expect(dead.find((d) => d.code === 'E_EVT_NOT_JSON')!.raw).toBe('[{"bn":"x", "v": ');
    expect(dead.find((d) => d.code === 'E_ADP_BAD_INPUT')!.raw).toBe('{"kind":"noise"}');
    expect(health(rig)).toMatchObject({ name: 'mqtt', source: 'mqtt', connection: 'connected' });
  });
});

describe('MQTT end to end throughput (logged, not asserted)', () => {
  it('counts every one of 4,000 QoS 1 publishes (in rounds of 500), and logs publish → counted events/s beside JSON.parse of the same bytes', async () => {
    const N = 4000;
    const prefix = uniqueName('throughput');
    const rig = await host(SHARED, prefix, uniqueName('cityops-itest'), { dedupeTtlMs: 3_600_000 });
    await connected(rig);
    const pub = await publisher(SHARED);
    const payloads = Array.from({ length: N }, (_, i) => plain(`tp-${i % 500}`, 200 - i / 100));
    const started = performance.now();
    // in rounds of 500: Mosquitto queues at most 1,000 QoS 1 messages per client by default
    // (max_queued_messages) and drops the rest while the adapter holds its PUBACKs
    for (let from = 0; from < N; from += 500) {
      const round = payloads.slice(from, from + 500);
      await Promise.all(round.map((p, i) => pub.publishAsync(`${prefix}/json/tp-${(from + i) % 500}`, p, { qos: 1 })));
      await eventually(() => (health(rig).accepted >= from + round.length ? true : undefined), 60_000, `round ${from}`);
    }
    const e2e = N / ((performance.now() - started) / 1000);
    const parseStart = performance.now();
    for (const p of payloads) JSON.parse(p);
    const parse = N / ((performance.now() - parseStart) / 1000);
    console.log(
      `MQTT end to end: ${Math.round(e2e)} events/s (publish → counted, embedded bus); JSON.parse of the same bytes: ${Math.round(parse)}/s`,
    );
    expect(health(rig)).toMatchObject({ accepted: N, rejected: 0 });
  }, 180_000);
});

// ------------------------------------------------------------------ a private broker

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

class PrivateBroker {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'cityops-mosquitto-'));
  constructor(
    readonly port: number,
    private readonly persistence: boolean,
  ) {
    writeFileSync(
      join(this.dir, 'mosquitto.conf'),
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        `persistence ${persistence}`,
        `persistence_location ${this.dir}/`,
        ...(process.getuid?.() === 0 ? ['user root'] : []),
      ].join('\n') + '\n',
    );
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: 'ignore' });
    this.child = child;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
        const c = await mqtt.connectAsync(this.url, { reconnectPeriod: 0, connectTimeout: 500 }).catch(() => undefined);
        if (!c) return undefined;
        await c.endAsync();
        return true;
      },
      10_000,
      `mosquitto on ${this.port}`,
    );
  }

  /** SIGTERM to our own mosquitto, by its pid; resolves once it exited (it saves its state first). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('MQTT adapter on a private Mosquitto it restarts', () => {
  const brokers: PrivateBroker[] = [];
  afterAll(async () => {
    for (const b of brokers) await b.remove();
  });
  const broker = async (persistence: boolean) => {
    const b = new PrivateBroker(await freePort(), persistence);
    brokers.push(b);
    await b.start();
    return b;
  };

  it('reconnects when the broker restarts, subscribes again when the session is gone, and receives again', async () => {
    const b = await broker(false);
    const prefix = uniqueName('restart');
    const rig = await host(b.url, prefix, uniqueName('cityops-itest'));
    await connected(rig);
    const pub = await publisher(b.url);
    await pub.publishAsync(`${prefix}/senml/g`, senml('00000000000000a1', 50, 0.1), { qos: 1 });
    await eventually(() => (health(rig).accepted === 1 ? true : undefined), 15_000, 'first accepted');

    await b.stop();
    await eventually(() => (health(rig).connection !== 'connected' ? true : undefined), 15_000, 'disconnected');
    expect(health(rig).lastError).not.toBeNull();
    await b.start(); // no persistence: the broker forgot the session and its subscriptions
    await connected(rig);
    await eventually(
      async () => {
        // publish until the new subscription is in place (QoS 1 to a topic nobody subscribes is dropped)
        await pub.publishAsync(`${prefix}/senml/g`, senml('00000000000000a1', 40, 0.2), { qos: 1 });
        return health(rig).accepted >= 2 ? true : undefined;
      },
      20_000,
      'delivery after the restart',
    );
  });

  it('keeps the session (clean: false): messages published while the adapter was away arrive when it is back', async () => {
    const b = await broker(true);
    const prefix = uniqueName('session');
    const clientId = uniqueName('cityops-itest');
    const first = await host(b.url, prefix, clientId);
    await connected(first);
    await first.close(); // the adapter goes away; the broker keeps its QoS 1 session
    open.pop();
    const pub = await publisher(b.url);
    for (let i = 0; i < 5; i++) await pub.publishAsync(`${prefix}/json/d${i}`, plain(`d${i}`, 50 - i), { qos: 1 });
    const second = await host(b.url, prefix, clientId);
    await eventually(() => (health(second).accepted === 5 ? true : undefined), 20_000, 'the queued messages');
  });

  it('acknowledges only what the host settled: a message in flight when the adapter dies is delivered again', async () => {
    const b = await broker(true);
    const prefix = uniqueName('acks');
    const clientId = uniqueName('cityops-itest');
    // ingest hangs: the message reaches the host but never settles
    let calls = 0;
    const stuck = await host(b.url, prefix, clientId);
    const closeStuck = open[open.length - 1]!;
    const original = stuck.ingestor.ingest.bind(stuck.ingestor);
    stuck.ingestor.ingest = (async (...args: Parameters<typeof original>) => {
      calls++;
      await new Promise(() => {});
      return original(...args);
    }) as typeof original;
    await connected(stuck);
    const pub = await publisher(b.url);
    await pub.publishAsync(`${prefix}/senml/g`, senml('00000000000000b1', 30, 0.3), { qos: 1 });
    await eventually(() => (calls > 0 ? true : undefined), 15_000, 'the message in the host');
    // the adapter dies without settling: its connection ends, no PUBACK was sent. (Its host never
    // drains, since ingest hangs: it is left, not closed.)
    open.splice(open.indexOf(closeStuck), 1);
    void stuck.host.stop();
    await eventually(() => (health(stuck).connection === 'disconnected' ? true : undefined), 15_000, 'gone');

    const next = await host(b.url, prefix, clientId);
    await eventually(() => (health(next).accepted === 1 ? true : undefined), 20_000, 'the redelivered message');
  });
});
