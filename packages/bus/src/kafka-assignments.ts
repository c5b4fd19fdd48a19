import type { KafkaMessage } from 'kafkajs';
import { describeError, type BusLogger } from './logger.js';
import type { SubscribeOptions } from './port.js';

/** the part of a kafkajs consumer that positions partitions */
export interface PositionControl {
  pause(topics: Array<{ topic: string; partitions: number[] }>): void;
  resume(topics: Array<{ topic: string; partitions: number[] }>): void;
  seek(target: { topic: string; partition: number; offset: string }): void;
}

export interface AssignmentContext {
  /** log start and end offset per partition of a topic */
  offsetRange(topic: string): Promise<Record<number, { low: number; high: number }>>;
  retryBackoffMs: number;
  logger: BusLogger;
  what: string;
}

/** what to deliver of a fetched batch, and in which assignment it was admitted */
export interface Admitted {
  messages: KafkaMessage[];
  generation: number;
}

/**
 * `startAt` / `onRevoke` for one kafkajs group member (SPEC B15, B16). kafkajs rebalances
 * eagerly: at each GROUP_JOIN every partition the member held is revoked and the new assignment
 * given. The new partitions are paused at once (inside the event, before kafkajs fetches again),
 * then each is asked `startAt`, clamped to the log (kafkajs would reset an out-of-range offset to
 * its default), sought there and resumed. Independently of that, every fetched batch must start
 * at the partition's expected position: a batch from before the seek took effect (kafkajs
 * fetching from the group's committed offset) is cut or dropped and the seek repeated, so a
 * subscriber never sees a record below what it asked for, nor a gap, within one assignment.
 */
export class KafkaAssignments {
  private generation = 0;
  private held: string[] = [];
  /** the next offset to deliver, per positioned partition of the current assignment */
  private readonly expected = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly consumer: PositionControl,
    private readonly hooks: Pick<SubscribeOptions, 'startAt' | 'onRevoke'>,
    private readonly ctx: AssignmentContext,
  ) {}

  /** kafkajs's GROUP_JOIN: must run inside the event so that the pause precedes the next fetch */
  assigned(memberAssignment: Record<string, number[]>): void {
    const generation = ++this.generation;
    const previous = this.held;
    const next = Object.entries(memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((p) => keyOf(topic, p)),
    );
    this.held = next;
    this.expected.clear();
    if (this.hooks.startAt) {
      const topics = Object.entries(memberAssignment).map(([topic, partitions]) => ({ topic, partitions }));
      this.safely(() => this.consumer.pause(topics));
    }
    this.chain = this.chain.then(() => this.reassign(generation, previous, next));
  }

  /**
   * Decides what of a fetched batch may be delivered: undefined to drop it (not positioned yet,
   * or wholly before / after the expected position, in which case the seek is repeated).
   */
  async admit(topic: string, partition: number, messages: KafkaMessage[]): Promise<Admitted | undefined> {
    const generation = this.generation;
    if (!this.hooks.startAt) return { messages, generation };
    const key = keyOf(topic, partition);
    let expected = this.expected.get(key);
    if (expected === undefined) return undefined;
    const first = Number(messages[0]!.offset);
    if (first > expected) {
      // Either a fetch that raced the seek, or retention removed records since startAt was
      // clamped (kafkajs then restarts at the log start): only the latter moves the position.
      const low = (await this.ctx.offsetRange(topic))[partition]?.low ?? 0;
      if (generation !== this.generation) return undefined;
      if (low > expected) {
        this.ctx.logger.warn(
          `${this.ctx.what}: ${topic}[${partition}] offsets ${expected}..${low - 1} were removed by retention before they were read`,
        );
        this.expected.set(key, (expected = low));
      }
    }
    const fresh = first < expected ? messages.filter((m) => Number(m.offset) >= expected) : messages;
    if (fresh.length === 0 || Number(fresh[0]!.offset) !== expected) {
      this.safely(() => this.consumer.seek({ topic, partition, offset: String(expected) }));
      return undefined;
    }
    return { messages: fresh, generation };
  }

  /** where a rejected batch of this partition is sought back to */
  positionOf(topic: string, partition: number): number | undefined {
    return this.expected.get(keyOf(topic, partition));
  }

  /** a delivered batch moved the position (unless the assignment changed meanwhile) */
  advance(topic: string, partition: number, generation: number, nextOffset: number): void {
    if (generation === this.generation && this.hooks.startAt) this.expected.set(keyOf(topic, partition), nextOffset);
  }

  /** runs a delivery, so that a revocation waits for it */
  track<T>(topic: string, partition: number, delivery: Promise<T>): Promise<T> {
    const key = keyOf(topic, partition);
    this.inFlight.set(key, delivery);
    const clear = () => {
      if (this.inFlight.get(key) === delivery) this.inFlight.delete(key);
    };
    delivery.then(clear, clear);
    return delivery;
  }

  /** after the consumer stopped: the last assignment ends */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    await this.chain;
    await Promise.allSettled([...this.inFlight.values()]);
    for (const key of this.held) this.revoke(key);
    this.held = [];
  }

  private async reassign(generation: number, previous: string[], next: string[]): Promise<void> {
    await Promise.allSettled(previous.map((key) => this.inFlight.get(key)));
    for (const key of previous) this.revoke(key);
    const startAt = this.hooks.startAt;
    if (!startAt) return;
    const ranges = new Map<string, Promise<Record<number, { low: number; high: number }>>>();
    const rangeOf = (topic: string) => {
      let range = ranges.get(topic);
      if (!range) {
        range = this.ctx.offsetRange(topic);
        ranges.set(topic, range);
        range.catch(() => ranges.delete(topic));
      }
      return range;
    };
    await Promise.all(next.map((key) => this.position(generation, key, startAt, rangeOf)));
  }

  /** asks startAt (again after the backoff while it rejects), then seeks and resumes */
  private async position(
    generation: number,
    key: string,
    startAt: (topic: string, partition: number) => Promise<number>,
    rangeOf: (topic: string) => Promise<Record<number, { low: number; high: number }>>,
  ): Promise<void> {
    const { topic, partition } = parseKey(key);
    while (generation === this.generation && !this.stopped) {
      try {
        const wanted = await startAt(topic, partition);
        if (!Number.isSafeInteger(wanted) || wanted < 0) throw new RangeError(`startAt gave ${String(wanted)}`);
        const range = (await rangeOf(topic))[partition] ?? { low: 0, high: 0 };
        if (generation !== this.generation || this.stopped) return;
        const start = Math.min(Math.max(wanted, range.low), range.high);
        this.expected.set(key, start);
        this.safely(() => {
          this.consumer.seek({ topic, partition, offset: String(start) });
          this.consumer.resume([{ topic, partitions: [partition] }]);
        });
        return;
      } catch (err) {
        this.ctx.logger.warn(
          `${this.ctx.what}: positioning ${topic}[${partition}] failed (startAt or the offset lookup), asking again in ${this.ctx.retryBackoffMs} ms: ${describeError(err)}`,
        );
        await new Promise((r) => setTimeout(r, this.ctx.retryBackoffMs));
      }
    }
  }

  private revoke(key: string): void {
    const { topic, partition } = parseKey(key);
    try {
      this.hooks.onRevoke?.(topic, partition);
    } catch (err) {
      this.ctx.logger.warn(`${this.ctx.what}: onRevoke(${topic}, ${partition}) threw: ${describeError(err)}`);
    }
  }

  /** kafkajs refuses pause/seek/resume while it restarts after a crash; the next GROUP_JOIN redoes them */
  private safely(action: () => void): void {
    try {
      action();
    } catch (err) {
      this.ctx.logger.warn(`${this.ctx.what}: could not position a partition yet: ${describeError(err)}`);
    }
  }
}

function keyOf(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

function parseKey(key: string): { topic: string; partition: number } {
  const colon = key.indexOf(':');
  return { partition: Number(key.slice(0, colon)), topic: key.slice(colon + 1) };
}
