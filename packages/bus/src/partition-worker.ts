import { describeError, type BusLogger } from './logger.js';
import type { LogReader, PartitionLog } from './partition-log.js';
import type { RecordBatch } from './port.js';

export interface PartitionWorkerOptions {
  log: PartitionLog;
  /**
   * First offset to deliver, or a function that says it (a subscriber's `startAt`: retried after
   * the backoff while it rejects). Clamped to the log: below the log start it starts at the log
   * start, past the end it waits at the end.
   */
  start: number | (() => Promise<number>);
  /** hold retention for this worker: segments it has not delivered past stay (group members) */
  holdsRetention: boolean;
  /** records [from, to) were gone (retention) when this worker was about to read them */
  onSkip?: (from: number, to: number) => void;
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
export class PartitionWorker implements LogReader {
  /** the next offset to deliver: everything before it was delivered and resolved */
  position: number;
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;

  constructor(private readonly options: PartitionWorkerOptions) {
    const { log, start } = options;
    // Until a start function answers, hold everything the log has now.
    this.position = typeof start === 'number' ? start : log.startOffset;
    if (options.holdsRetention) log.addReader(this);
    // A macrotask hop keeps delivery asynchronous even when records are already waiting.
    this.loop = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run())
      .finally(() => log.removeReader(this));
  }

  /** stops after the in-flight batch (if any) settled; a pending retry backoff or start is cut short */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { log, maxBatchRecords, eachBatch, afterBatch, start } = this.options;
    const signal = this.abort.signal;
    if (typeof start !== 'number') {
      const resolved = await this.resolveStart(start, signal);
      if (resolved === undefined) return;
      this.position = Math.min(resolved, log.endOffset);
    }
    while (!signal.aborted) {
      if (this.position < log.startOffset) {
        this.options.onSkip?.(this.position, log.startOffset);
        this.position = log.startOffset;
      }
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

  /** asks `start` until it gives a valid offset; undefined when stopped first */
  private async resolveStart(start: () => Promise<number>, signal: AbortSignal): Promise<number | undefined> {
    const { log, logger, what, retryBackoffMs } = this.options;
    while (!signal.aborted) {
      try {
        const offset = await untilAborted(start(), signal);
        if (offset === undefined) return undefined;
        if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`startAt gave ${String(offset)}`);
        return offset;
      } catch (err) {
        logger.warn(
          `${what}: startAt(${log.topic}, ${log.partition}) failed, asking again in ${retryBackoffMs} ms: ${describeError(err)}`,
        );
        await sleep(retryBackoffMs, signal);
      }
    }
    return undefined;
  }
}

/** the promise's value, or undefined as soon as `signal` aborts (the promise is left to settle) */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
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
