import type { Bus, BusRecord } from '@cityops/bus';
import type { StageMetrics } from '@cityops/metrics';
import type { OutboxRecord, Store } from '@cityops/store';

/** The header that carries an outgoing record's id: consumers dedupe by it. */
export const RECORD_ID_HEADER = 'cityops-id';

/** the largest relay page: the Redis store looks this deep for an acknowledged id */
export const MAX_PAGE_SIZE = 10_000;

export interface OutboxRelayOptions {
  bus: Bus;
  store: Store;
  group: string;
  metrics?: StageMetrics;
  /** records published per round (default 500, at most MAX_PAGE_SIZE) */
  pageSize?: number;
  /** how often the relay looks even when nothing woke it (default 1 s) */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Publishes a stage's outbox: records that were applied with their batch (atomically, in the
 * store) and now go to their topics. Oldest first; a page is acknowledged only after the bus has
 * made it durable, so a crash between publish and acknowledge publishes the page again with the
 * same ids (`cityops-id` header), never loses it. Runs one round at a time; `wake` asks for a
 * round as soon as possible.
 */
export class OutboxRelay {
  private readonly pageSize: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  published = 0;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.pageSize = opts.pageSize ?? 500;
    if (!(Number.isSafeInteger(this.pageSize) && this.pageSize >= 1 && this.pageSize <= MAX_PAGE_SIZE))
      throw new RangeError(`outbox page size must be an integer in 1..${MAX_PAGE_SIZE}, got ${this.pageSize}`);
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** runs a round now, or right after the current one */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain()
      .catch((err: unknown) => this.opts.onError?.(err))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else {
          this.timer = setTimeout(() => this.wake(), this.opts.intervalMs ?? 1_000);
          this.timer.unref();
        }
      });
  }

  /** stops after the current round; what is left stays in the store for the next start */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** publishes until the outbox is empty */
  async drain(): Promise<void> {
    const { store, group } = this.opts;
    for (;;) {
      const page = await store.readOutbox(group, this.pageSize);
      if (page.length === 0) break;
      await this.publish(page);
      await store.ackOutbox(group, page[page.length - 1]!.id);
      this.published += page.length;
      if (page.length < this.pageSize) break;
    }
    this.opts.metrics?.outboxBacklog(await store.outboxSize(group));
  }

  private async publish(page: OutboxRecord[]): Promise<void> {
    const byTopic = new Map<string, BusRecord[]>();
    for (const r of page) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ key: r.key, value: r.value, headers: { [RECORD_ID_HEADER]: r.id } });
    }
    for (const [topic, records] of byTopic) await this.opts.bus.publish(topic, records);
  }
}
