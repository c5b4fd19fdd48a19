import type { ConsumedRecord } from '@cityops/bus';
import type { CounterIncrement } from '@cityops/store';

/** A record a stage wants published; the runtime gives it an id and publishes it through the outbox. */
export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: string;
}

/** What a fold sees: one partition's next records, with the partition's state as applied so far. */
export interface FoldInput {
  topic: string;
  partition: number;
  /** consecutive records of the partition, in offset order, none of them applied before */
  records: readonly ConsumedRecord[];
  /** the partition's event-time watermark before these records (epoch ms), or null */
  watermark: number | null;
  /** the partition's keyed state as the applied batches left it (read-only: return changes instead) */
  state: ReadonlyMap<string, string>;
}

/** What a fold returns: the changes of these records, applied together with their offsets. */
export interface FoldOutput {
  /** the partition's watermark after these records */
  watermark: number | null;
  /** counter increments (the vital-sign buckets) */
  increments?: CounterIncrement[];
  /** gauge moves of the group (store S21: current-value aggregates that never expire), summed across partitions */
  gauges?: Array<{ field: string; by: number }>;
  /** records dropped, by reason code: added to the stage's running totals */
  dropped?: Record<string, number>;
  /** keyed state to write and to delete (the last write of a key within one output wins) */
  set?: Array<[string, string]>;
  del?: string[];
  /** records to publish once the batch is applied: alerts, dead letters, derived events */
  outgoing?: OutgoingRecord[];
}

/**
 * A stateful stage: a pure fold over its input partitions (DESIGN.md decision 9). The runtime owns
 * everything else: the group, offsets, state loading, atomic apply, the outbox and rebuilds.
 *
 * @example
 * const counter: Stage = {
 *   group: 'cityops.counter.v1',
 *   topics: ['city.events.v1'],
 *   rebuildHorizonMs: 15 * 60_000,
 *   fold: ({ records, watermark }) => ({
 *     watermark,
 *     increments: [{ bucket: 0, field: 'events', by: records.length }],
 *   }),
 * };
 */
export interface Stage {
  /** consumer group, and the namespace of the stage's offsets, state and outbox in the store */
  group: string;
  topics: string[];
  /**
   * How far back in append time a rebuild reads to restore the state that matters (the stage's
   * longest window plus its allowed lateness). A group the store holds nothing for starts there.
   */
  rebuildHorizonMs: number;
  /** load each partition's keyed state on assignment (stages that keep no keyed state skip the read) */
  keyedState?: boolean;
  /**
   * Must be pure: the same input gives the same output, so that a redelivered or rebuilt range
   * makes exactly the same decisions. It may throw; the batch is then delivered again.
   */
  fold(input: FoldInput): FoldOutput;
}
