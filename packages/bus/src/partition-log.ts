import type { BusRecord, ConsumedRecord } from './port.js';

/**
 * One partition of the embedded log: an append-only sequence of records with offsets from 0.
 * Records live in fixed-size segments so that retention drops whole segments from the front,
 * as Kafka does: the log start offset advances, and the last `retentionRecords` records (at
 * least) stay readable. Appends wake readers waiting at the end on the next macrotask, so
 * delivery is never synchronous inside `publish` and bursts of publishes coalesce into one batch.
 */
export class PartitionLog {
  private readonly segments: ConsumedRecord[][] = [];
  private readonly segmentSize: number;
  /** offset of the first record of `segments[0]` */
  private base = 0;
  private end = 0;
  private readonly waiters = new Set<() => void>();
  private wakeScheduled = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly retentionRecords: number,
  ) {
    this.segmentSize = Math.max(1, Math.min(4096, retentionRecords));
  }

  /** the first offset still held (Kafka's log start offset) */
  get startOffset(): number {
    return this.base;
  }

  /** the offset the next record will get (Kafka's high watermark) */
  get endOffset(): number {
    return this.end;
  }

  append(record: BusRecord, timestamp: number): number {
    const offset = this.end;
    // Frozen copies: every consumer sees the same object, so none may change what others read.
    const headers = record.headers ? Object.freeze({ ...record.headers }) : undefined;
    const stored: ConsumedRecord = Object.freeze({
      topic: this.topic,
      partition: this.partition,
      offset,
      timestamp,
      key: record.key,
      value: record.value,
      ...(headers ? { headers } : {}),
    });
    let last = this.segments[this.segments.length - 1];
    if (!last || last.length === this.segmentSize) {
      last = [];
      this.segments.push(last);
    }
    last.push(stored);
    this.end++;
    this.enforceRetention();
    this.scheduleWake();
    return offset;
  }

  /** up to `max` consecutive records from `from` (clamped to the log start) */
  read(from: number, max: number): ConsumedRecord[] {
    const start = Math.max(from, this.base);
    if (start >= this.end) return [];
    const out: ConsumedRecord[] = [];
    let segmentIndex = Math.floor((start - this.base) / this.segmentSize);
    let within = (start - this.base) % this.segmentSize;
    while (out.length < max && segmentIndex < this.segments.length) {
      const segment = this.segments[segmentIndex]!;
      const take = Math.min(segment.length - within, max - out.length);
      for (let i = 0; i < take; i++) out.push(segment[within + i]!);
      segmentIndex++;
      within = 0;
    }
    return out;
  }

  /**
   * Resolves once a record at or after `offset` exists, or when `signal` aborts.
   * No polling: appends wake the waiters.
   */
  waitForData(offset: number, signal: AbortSignal): Promise<void> {
    if (this.end > offset || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        if (this.end > offset || signal.aborted) {
          this.waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        }
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake);
    });
  }

  private enforceRetention(): void {
    while (this.segments.length > 1 && this.end - this.base - this.segmentSize >= this.retentionRecords) {
      this.segments.shift();
      this.base += this.segmentSize;
    }
  }

  private scheduleWake(): void {
    if (this.wakeScheduled || this.waiters.size === 0) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      for (const wake of [...this.waiters]) wake();
    });
  }
}
