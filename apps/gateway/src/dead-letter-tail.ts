import type { Bus, ReplaySubscription } from '@cityops/bus';
import { Topics, type DeadLetter } from '@cityops/schema';
import { RECORD_ID_HEADER } from '@cityops/stream';

/**
 * The most recent dead letters, for data teams checking why a source's events are rejected
 * (`GET /api/v1/dead-letters`). Tails `city.dlq.v1` from the end it finds at start, without a
 * consumer group, and keeps a bounded ring in memory. A dead letter a stage's outbox published
 * again after a crash carries the same `cityops-id` and is shown once.
 */
export class DeadLetterTail {
  private readonly ring: Array<DeadLetter & { offset: number; partition: number; id?: string }> = [];
  /** ids of the dead letters in the ring */
  private readonly ids = new Set<string>();
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
          const id = r.headers?.[RECORD_ID_HEADER];
          if (id !== undefined) {
            if (this.ids.has(id)) continue;
            this.ids.add(id);
          }
          try {
            this.ring.push({
              ...(JSON.parse(r.value) as DeadLetter),
              partition: r.partition,
              offset: r.offset,
              ...(id === undefined ? {} : { id }),
            });
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
          if (this.ring.length > this.capacity) {
            const gone = this.ring.shift()!;
            if (gone.id !== undefined) this.ids.delete(gone.id);
          }
        }
      },
    });
  }

  /** newest first */
  recent(limit: number): DeadLetter[] {
    return this.ring
      .slice(-limit)
      .reverse()
      .map(({ id: _id, ...letter }) => letter);
  }

  async stop(): Promise<void> {
    await this.sub?.stop();
  }
}
