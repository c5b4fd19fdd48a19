import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { AdapterIO } from '../types.js';
import { AckQueue } from './acks.js';
import type { MqttOptions } from './options.js';

/** How long stop() waits for messages in the host to settle, so their PUBACKs go out. */
const STOP_SETTLE_MS = 5_000;

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

/**
 * One MQTT connection (MQTT.js, protocol 3.1.1) with QoS 1 subscriptions on a persistent session
 * (clean: false, a stable client id): the broker keeps QoS 1 messages while the adapter is away.
 * Each message is handed to the host (`io.submit`) and its PUBACK is sent only after the host
 * settled it (accepted, duplicate or dead-lettered), in arrival order (AckQueue). A message the host
 * could not settle (ports down past the host's retry deadline) is not acknowledged: the connection
 * is dropped, so the broker delivers it again. Reading pauses while `maxUnsettled` messages are in
 * the host. Reconnects every `reconnectPeriodMs`; subscribes again when the broker kept no session.
 *
 * MQTT.js handles one incoming packet at a time and sends a PUBACK as soon as `handleMessage`
 * calls back; to hold PUBACKs without holding the stream, the client's internal `_sendPacket` is
 * wrapped for PUBACK packets only (tested against a real Mosquitto in mqtt.itest.ts).
 */
export class MqttSubscription {
  readonly acks: AckQueue;
  private client: MqttClient | undefined;
  private stopping = false;
  private inFlight = 0;

  constructor(
    private readonly io: AdapterIO,
    private readonly options: MqttOptions,
    /** turns one message into host inputs */
    private readonly toInputs: (topic: string, payload: Buffer) => unknown[],
  ) {
    this.acks = new AckQueue(options.maxUnsettled);
  }

  start(): void {
    const o = this.options;
    const opts: IClientOptions = {
      clientId: o.clientId,
      clean: false,
      protocolVersion: 4,
      keepalive: o.keepaliveS,
      reconnectPeriod: o.reconnectPeriodMs,
      connectTimeout: o.connectTimeoutMs,
      resubscribe: false,
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
    };
    this.io.setConnection('connecting');
    const client = mqtt.connect(o.url, opts);
    this.client = client;
    this.holdPubacks(client);
    client.handleMessage = (packet, callback) => this.onMessage(packet, callback);
    client.on('connect', (connack) => {
      this.io.setConnection('connected');
      this.io.log.info(
        `connected to ${redactUrl(o.url)} as ${o.clientId} (session ${connack.sessionPresent ? 'kept' : 'new'})`,
      );
      if (!connack.sessionPresent) this.subscribe(client);
    });
    client.on('reconnect', () => this.io.setConnection('connecting'));
    client.on('close', () => {
      this.acks.reset();
      if (!this.stopping) this.io.setConnection('disconnected', 'connection closed; reconnecting');
    });
    client.on('error', (err) => {
      this.io.setConnection(client.connected ? 'connected' : 'disconnected', err.message);
      this.io.log.warn(`MQTT error: ${err.message}`);
    });
  }

  /** Stops reading, waits (bounded) for the messages in the host to settle and be acknowledged, then disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    const client = this.client;
    if (!client) return;
    const deadline = Date.now() + STOP_SETTLE_MS;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
    this.io.setConnection('disconnected');
  }

  /** Drops the connection (for a message that could not be settled, and for tests); MQTT.js reconnects. */
  dropConnection(): void {
    this.client?.stream?.destroy();
  }

  private subscribe(client: MqttClient): void {
    const filters = Object.fromEntries(this.options.topics.map((t) => [t.filter, { qos: 1 as const }]));
    client.subscribe(filters, (err, granted) => {
      if (err) {
        this.io.setConnection('connected', `subscribe failed: ${err.message}`);
        return;
      }
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length)
        this.io.setConnection('connected', `the broker refused the subscription to ${refused.join(', ')}`);
      else this.io.log.info(`subscribed (QoS 1) to ${Object.keys(filters).join(', ')}`);
    });
  }

  private holdPubacks(client: MqttClient): void {
    const internal = client as unknown as { _sendPacket: SendPacket };
    const send = internal._sendPacket.bind(client) as SendPacket;
    internal._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined && this.acks.holds(packet.messageId)) {
        this.acks.defer(packet.messageId, () => send(packet, () => {}));
        cb?.();
        return;
      }
      send(packet, cb, ...rest);
    };
  }

  private onMessage(packet: IPublishPacket, callback: (err?: Error) => void): void {
    const ticket = packet.qos === 1 && packet.messageId !== undefined ? this.acks.receive(packet.messageId) : undefined;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    this.inFlight++;
    void this.io
      .submit(payload, this.toInputs(packet.topic, payload))
      .then((outcome) => {
        if (outcome.retry.length === 0) {
          if (ticket) this.acks.settle(ticket);
          return;
        }
        // not settled: no PUBACK; a new connection makes the broker deliver it again
        this.io.log.warn(
          `a message on ${packet.topic} was not settled (${outcome.retry[0]!.code}); reconnecting for redelivery`,
        );
        this.dropConnection();
      })
      .catch((err: unknown) => {
        this.io.log.warn(
          `a message on ${packet.topic} failed in the host: ${String(err)}; reconnecting for redelivery`,
        );
        if (!this.stopping) this.dropConnection();
      })
      .finally(() => this.inFlight--);
    const room = this.acks.whenRoom();
    if (room) void room.then(() => callback());
    else callback();
  }
}

/** The URL without its user info (a password may be in it). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(the configured MQTT_URL)';
  }
}
