import type { Bus, ReplaySubscription } from '@cityops/bus';
import { Topics, type DeadLetter } from '@cityops/schema';

/**
 * The most recent dead letters, for data teams checking why a source's events are rejected
 * (`GET /api/v1/dead-letters`). Tails `city.dlq.v1` from the end it finds at start, without a
 * consumer group, and keeps a bounded ring in memory.
 */
export class DeadLetterTail {
  private readonly ring: Array<DeadLetter & { offset: number; partition: number }> = [];
  private sub: ReplaySubscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly capacity = 500,
  ) {}

  async start(): Promise<void> {
    const end = await this.bus.endOffsets(Topics.dlq);
    this.sub = await this.bus.replay({
      topic: Topics.dlq,
      fromOffsets: end,
      eachBatch: async (batch) => {
        for (const r of batch.records) {
          try {
            this.ring.push({ ...(JSON.parse(r.value) as DeadLetter), partition: r.partition, offset: r.offset });
          } catch {
            this.ring.push({
              code: 'E_EVT_NOT_JSON',
              reason: 'dead letter is not JSON',
              source: 'dlq',
              receivedAt: new Date(r.timestamp).toISOString(),
              raw: r.value,
              partition: r.partition,
              offset: r.offset,
            });
          }
          if (this.ring.length > this.capacity) this.ring.shift();
        }
      },
    });
  }

  /** newest first */
  recent(limit: number): DeadLetter[] {
    return this.ring.slice(-limit).reverse();
  }

  async stop(): Promise<void> {
    await this.sub?.stop();
  }
}
