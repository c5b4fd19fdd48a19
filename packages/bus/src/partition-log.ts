import type { BusRecord, ConsumedRecord } from './port.js';

export interface RetentionLimits {
  /** records kept at least; older whole segments go once every reader is past them */
  retentionRecords: number;
  /** hard cap on records held: past it the oldest segments go even if a reader has not read them */
  maxRetainedRecords: number;
  /** hard cap on key + value bytes (UTF-8) held, same effect */
  maxRetainedBytes: number;
}

/** A live reader's position (the next offset it will deliver); retention keeps what it has not read. */
export interface LogReader {
  position: number;
}

/**
 * One partition of the embedded log: an append-only sequence of records with offsets from 0.
 * Records live in fixed-size segments so that retention drops whole segments from the front,
 * as Kafka does: the log start offset advances. A segment goes once the log holds
 * `retentionRecords` after it AND every registered reader (a live group member) has delivered
 * past it; only the hard caps (`maxRetainedRecords`, `maxRetainedBytes`) drop records a reader
 * still needs, and the reader counts that loss when it finds its position below the log start.
 * Appends wake readers waiting at the end on the next macrotask, so delivery is never
 * synchronous inside `publish` and bursts of publishes coalesce into one batch.
 */
export class PartitionLog {
  private readonly segments: ConsumedRecord[][] = [];
  private readonly segmentBytes: number[] = [];
  private readonly segmentSize: number;
  private readonly readers = new Set<LogReader>();
  /** offset of the first record of `segments[0]` */
  private base = 0;
  private end = 0;
  private bytes = 0;
  private lastTimestamp = 0;
  private readonly waiters = new Set<() => void>();
  private wakeScheduled = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly limits: RetentionLimits,
  ) {
    this.segmentSize = Math.max(1, Math.min(4096, limits.retentionRecords));
  }

  /** the first offset still held (Kafka's log start offset) */
  get startOffset(): number {
    return this.base;
  }

  /** the offset the next record will get (Kafka's high watermark) */
  get endOffset(): number {
    return this.end;
  }

  /** key + value bytes held */
  get heldBytes(): number {
    return this.bytes;
  }

  append(record: BusRecord, timestamp: number): number {
    const offset = this.end;
    // Append timestamps never go backwards within a partition (even if the clock does), so
    // offsetForTime can binary-search them.
    this.lastTimestamp = Math.max(this.lastTimestamp, timestamp);
    // Frozen copies: every consumer sees the same object, so none may change what others read.
    const headers = record.headers ? Object.freeze({ ...record.headers }) : undefined;
    const stored: ConsumedRecord = Object.freeze({
      topic: this.topic,
      partition: this.partition,
      offset,
      timestamp: this.lastTimestamp,
      key: record.key,
      value: record.value,
      ...(headers ? { headers } : {}),
    });
    let last = this.segments.length - 1;
    if (last < 0 || this.segments[last]!.length === this.segmentSize) {
      this.segments.push([]);
      this.segmentBytes.push(0);
      last++;
    }
    const size = Buffer.byteLength(record.value) + (record.key === null ? 0 : Buffer.byteLength(record.key));
    this.segments[last]!.push(stored);
    this.segmentBytes[last]! += size;
    this.bytes += size;
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

  /** the first offset held whose timestamp is >= `timestamp`, or the end offset if none is */
  offsetForTime(timestamp: number): number {
    let lo = this.base;
    let hi = this.end;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.recordAt(mid).timestamp >= timestamp) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** registers a live reader: segments it has not delivered past stay (up to the hard caps) */
  addReader(reader: LogReader): void {
    this.readers.add(reader);
  }

  /** a reader stopped; what only it held back may now go at the next append */
  removeReader(reader: LogReader): void {
    this.readers.delete(reader);
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

  private recordAt(offset: number): ConsumedRecord {
    const at = offset - this.base;
    return this.segments[Math.floor(at / this.segmentSize)]![at % this.segmentSize]!;
  }

  private enforceRetention(): void {
    const { retentionRecords, maxRetainedRecords, maxRetainedBytes } = this.limits;
    // the last segment (being appended to) always stays
    while (this.segments.length > 1) {
      const firstEnd = this.base + this.segmentSize;
      const overCap = this.end - this.base > maxRetainedRecords || this.bytes > maxRetainedBytes;
      if (!overCap) {
        if (this.end - firstEnd < retentionRecords) return;
        for (const reader of this.readers) if (reader.position < firstEnd) return;
      }
      this.segments.shift();
      this.bytes -= this.segmentBytes.shift()!;
      this.base = firstEnd;
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
