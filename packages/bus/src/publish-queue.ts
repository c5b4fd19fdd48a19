import type { Message, TopicMessages } from 'kafkajs';
import type { BusRecord } from './port.js';

export interface PublishLimits {
  maxRecords: number;
  /** approximate bytes per request; the broker refuses record batches over message.max.bytes */
  maxBytes: number;
}

interface Pending {
  topic: string;
  records: BusRecord[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Serializes publishes to one producer and coalesces the ones that arrive while a request is
 * in flight into the next request. Serializing keeps call order per key even for concurrent
 * `publish` calls (an idempotent producer with one request in flight keeps request order);
 * coalescing keeps throughput when many small publishes overlap.
 */
export class PublishQueue {
  private pending: Pending[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly send: (topicMessages: TopicMessages[]) => Promise<void>,
    private readonly limits: PublishLimits,
  ) {}

  publish(topic: string, records: BusRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ topic, records, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** resolves once everything queued so far was sent (or failed) */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // one macrotask lets publishes issued in the same tick join the first request
    await new Promise((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      try {
        for (const chunk of this.chunks(group)) await this.send(chunk);
        for (const p of group) p.resolve();
      } catch (err) {
        // A failed request may follow requests that succeeded: callers retry, consumers dedupe.
        for (const p of group) p.reject(err);
      }
    }
    this.draining = undefined;
  }

  private *chunks(group: Pending[]): Generator<TopicMessages[]> {
    let byTopic = new Map<string, Message[]>();
    let count = 0;
    let bytes = 0;
    for (const { topic, records } of group) {
      for (const record of records) {
        const size = recordSize(record);
        if (count > 0 && (count >= this.limits.maxRecords || bytes + size > this.limits.maxBytes)) {
          yield toTopicMessages(byTopic);
          byTopic = new Map();
          count = 0;
          bytes = 0;
        }
        let messages = byTopic.get(topic);
        if (!messages) byTopic.set(topic, (messages = []));
        messages.push({ key: record.key, value: record.value, ...(record.headers ? { headers: record.headers } : {}) });
        count++;
        bytes += size;
      }
    }
    if (count > 0) yield toTopicMessages(byTopic);
  }
}

function toTopicMessages(byTopic: Map<string, Message[]>): TopicMessages[] {
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function recordSize(record: BusRecord): number {
  let size = 70 + Buffer.byteLength(record.value) + (record.key ? Buffer.byteLength(record.key) : 0);
  if (record.headers) for (const [k, v] of Object.entries(record.headers)) size += k.length + Buffer.byteLength(v) + 8;
  return size;
}
