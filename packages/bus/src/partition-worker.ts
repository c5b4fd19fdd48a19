import { describeError, type BusLogger } from './logger.js';
import type { PartitionLog } from './partition-log.js';
import type { RecordBatch } from './port.js';

export interface PartitionWorkerOptions {
  log: PartitionLog;
  /** first offset to deliver (clamped to the log start, as Kafka resets below it) */
  start: number;
  maxBatchRecords: number;
  retryBackoffMs: number;
  eachBatch: (batch: RecordBatch) => Promise<void>;
  /** called after `eachBatch` resolved, before the next batch is read: commits, progress */
  afterBatch: (batch: RecordBatch) => void;
  logger: BusLogger;
  what: string;
}

/**
 * Delivers one partition of the embedded log to one handler, a batch at a time: the next batch
 * is read only after the previous one resolved, so the handler never runs concurrently for the
 * partition. A rejected batch is retried from the same position after a backoff.
 */
export class PartitionWorker {
  private position: number;
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;

  constructor(private readonly options: PartitionWorkerOptions) {
    this.position = options.start;
    // A macrotask hop keeps delivery asynchronous even when records are already waiting.
    this.loop = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run());
  }

  /** stops after the in-flight batch (if any) settled; a pending retry backoff is cut short */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { log, maxBatchRecords, eachBatch, afterBatch } = this.options;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (this.position < log.startOffset) this.position = log.startOffset;
      const records = log.read(this.position, maxBatchRecords);
      if (records.length === 0) {
        await log.waitForData(this.position, signal);
        continue;
      }
      const batch: RecordBatch = {
        topic: log.topic,
        partition: log.partition,
        records,
        nextOffset: records[records.length - 1]!.offset + 1,
        highWatermark: log.endOffset,
      };
      try {
        await eachBatch(batch);
      } catch (err) {
        this.options.logger.warn(
          `${this.options.what}: batch ${log.topic}[${log.partition}]@${records[0]!.offset} rejected, redelivering in ${this.options.retryBackoffMs} ms: ${describeError(err)}`,
        );
        await sleep(this.options.retryBackoffMs, signal);
        continue;
      }
      this.position = batch.nextOffset;
      afterBatch(batch);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
