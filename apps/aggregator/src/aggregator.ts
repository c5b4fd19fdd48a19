import type { Bus, RecordBatch, Subscription } from '@cityops/bus';
import { Topics, isCityopsError } from '@cityops/schema';
import type { PartitionProgress, Store } from '@cityops/store';
import { buildBatch } from './build-batch.js';

export interface AggregatorOptions {
  bus: Bus;
  store: Store;
  /** consumer group; the store keeps counters and offsets per group */
  group: string;
  allowedLatenessMs: number;
  topic?: string;
  log?: (msg: string) => void;
}

export interface AggregatorStats {
  batches: number;
  counted: number;
  duplicatesSkipped: number;
  conflicts: number;
  lastAppliedAt: number | null;
}

/**
 * Keeps the vital signs: consumes `city.events.v1` as a group member and applies each
 * partition's batch to the store together with its offsets, in one atomic step.
 *
 * Effectively once (DESIGN.md decision 3): the store's offsets are the truth. Kafka's committed
 * offsets only say where to start fetching; records below the store's next offset for that
 * partition are skipped, so a crash between the store write and the Kafka commit re-reads but
 * never re-counts. A stale view of progress (after a rebalance) surfaces as an offset conflict:
 * progress is re-read and the batch is redelivered.
 */
export class Aggregator {
  private readonly opts: Required<Omit<AggregatorOptions, 'log'>> & Pick<AggregatorOptions, 'log'>;
  private readonly progress = new Map<number, PartitionProgress>();
  private subscription: Subscription | undefined;
  readonly stats: AggregatorStats = { batches: 0, counted: 0, duplicatesSkipped: 0, conflicts: 0, lastAppliedAt: null };

  constructor(options: AggregatorOptions) {
    this.opts = { topic: Topics.events, ...options };
  }

  async start(): Promise<void> {
    await this.reloadProgress();
    this.subscription = await this.opts.bus.subscribe({
      groupId: this.opts.group,
      topics: [this.opts.topic],
      fromBeginning: true,
      eachBatch: (batch) => this.handle(batch),
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  private async reloadProgress(): Promise<void> {
    const all = await this.opts.store.readProgress(this.opts.group);
    this.progress.clear();
    const prefix = `${this.opts.topic}:`;
    for (const [key, p] of Object.entries(all)) {
      if (key.startsWith(prefix)) this.progress.set(Number(key.slice(prefix.length)), p);
    }
  }

  private async handle(batch: RecordBatch): Promise<void> {
    const progress = this.progress.get(batch.partition) ?? { nextOffset: 0, watermark: null };
    const records = batch.records.filter((r) => r.offset >= progress.nextOffset);
    if (records.length === 0) return;
    const built = buildBatch(records, progress, this.opts.allowedLatenessMs);
    if (built.deadLetters.length) {
      await this.opts.bus.publish(
        Topics.dlq,
        built.deadLetters.map((value) => ({ key: 'aggregator', value })),
      );
    }
    try {
      const result = await this.opts.store.applyBatch({
        group: this.opts.group,
        topic: batch.topic,
        partition: batch.partition,
        fromOffset: records[0]!.offset,
        nextOffset: batch.nextOffset,
        increments: built.increments,
        watermark: built.watermark,
        dropped: built.dropped,
      });
      if (result === 'duplicate') {
        // another member applied these already (e.g. before a rebalance): adopt the store's view
        this.stats.duplicatesSkipped += records.length;
        await this.reloadProgress();
        return;
      }
      this.stats.counted += built.counted;
    } catch (err) {
      if (isCityopsError(err, 'E_STORE_OFFSET_CONFLICT')) {
        this.stats.conflicts++;
        this.opts.log?.(`offset conflict on ${batch.topic}/${batch.partition}; re-reading progress`);
        await this.reloadProgress();
      }
      throw err;
    }
    this.progress.set(batch.partition, { nextOffset: batch.nextOffset, watermark: built.watermark });
    this.stats.batches++;
    this.stats.lastAppliedAt = Date.now();
  }
}
