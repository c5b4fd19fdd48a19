import { eventually } from '@cityops/testkit';
import type { ConsumedRecord, RecordBatch } from '../port.js';

/** Collects what a handler receives, for the contract tests to wait on and inspect. */
export class Inbox {
  readonly batches: RecordBatch[] = [];
  readonly records: ConsumedRecord[] = [];

  /** a handler that accepts every batch */
  readonly accept = async (batch: RecordBatch): Promise<void> => {
    this.take(batch);
  };

  take(batch: RecordBatch): void {
    this.batches.push(batch);
    this.records.push(...batch.records);
  }

  async waitForRecords(count: number, timeoutMs = 20_000): Promise<ConsumedRecord[]> {
    await eventually(
      () => (this.records.length >= count ? true : undefined),
      timeoutMs,
      `${count} records (have ${this.records.length})`,
    );
    return this.records;
  }

  byPartition(): Map<number, ConsumedRecord[]> {
    const out = new Map<number, ConsumedRecord[]>();
    for (const r of this.records) {
      const list = out.get(r.partition) ?? [];
      list.push(r);
      out.set(r.partition, list);
    }
    return out;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function sum(offsets: Record<number, number>): number {
  return Object.values(offsets).reduce((a, b) => a + b, 0);
}
