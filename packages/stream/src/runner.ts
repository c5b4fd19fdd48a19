import type { Bus, ConsumedRecord, RecordBatch, Subscription } from '@cityops/bus';
import type { StageMetrics } from '@cityops/metrics';
import { ErrorCodes, isCityopsError } from '@cityops/schema';
import type { OutboxRecord, StageBatch, Store } from '@cityops/store';
import { OutboxRelay } from './outbox-relay.js';
import type { FoldOutput, Stage } from './stage.js';

export interface StreamRunnerOptions {
  bus: Bus;
  store: Store;
  stage: Stage;
  metrics?: StageMetrics;
  log?: (msg: string) => void;
  /** the wall clock, for the rebuild horizon (default Date.now) */
  now?: () => number;
  /** how often the outbox relay looks without being woken (default 1 s) */
  outboxIntervalMs?: number;
  /**
   * records the outbox relay publishes per round (default 500; at most 10,000, how deep the Redis
   * store looks for an acknowledged id). A stage that writes several records per input record
   * (a repartition) keeps up only with larger rounds.
   */
  outboxPageSize?: number;
  /**
   * Where a partition the store holds no progress for starts, in append time (epoch ms), instead
   * of `now - rebuildHorizonMs` (R6): a replay of a past period. Such a partition is not marked as
   * rebuilding: the stage's whole namespace is a reading of the past.
   */
  startAtTime?: number;
  /**
   * Commit the group's offsets on the bus as well (default true). The store's offsets are the
   * truth either way (R2); a throwaway group (a replay's) commits none, so it leaves nothing behind
   * in Kafka once it stops.
   */
  commitOffsets?: boolean;
  /**
   * Asked before each fold with the partition's records not applied yet (in offset order): how
   * many of them, from the first, to fold and apply now. The runner applies that prefix, then asks
   * again about the rest of the batch. A replay paces here (it waits until the records are due)
   * and ends a partition: answering 0 ends the partition for this assignment, so neither the rest
   * of the batch nor later batches of it are folded (and no gap is taken for it).
   */
  admit?: (topic: string, partition: number, records: readonly ConsumedRecord[]) => Promise<number>;
}

export interface StreamError {
  code: string;
  message: string;
  at: string;
}

export interface StreamStats {
  batches: number;
  /** records folded and applied */
  applied: number;
  /** records skipped because the store had applied them already */
  duplicates: number;
  conflicts: number;
  /** records the log lost before the stage read them (retention), counted in E_STREAM_RECORDS_LOST */
  lost: number;
  /** times the store was found to have lost the stage's state, each followed by a rebuild */
  stateLost: number;
  /** partitions started from the log by time because the store held nothing for them */
  rebuilds: number;
  /** partitions still catching up on a rebuild */
  rebuilding: number;
  outboxPublished: number;
  lastAppliedAt: number | null;
  lastError: StreamError | null;
}

/** Where one assigned partition stands, as the store says. */
interface PartitionContext {
  epoch: string;
  nextOffset: number;
  watermark: number | null;
  /** whether the store holds progress for it: a first batch can have no gap */
  stored: boolean;
  state: Map<string, string>;
  /** a rebuild's target: the end offset when the partition was started by time */
  rebuildUntil: number | null;
  /** `admit` answered 0: nothing more of this partition is folded in this assignment */
  ended: boolean;
}

/**
 * Runs a `Stage` as a member of its consumer group (DESIGN.md decision 9, SPEC.md R1..R8).
 *
 * The store is the truth: on every assignment the runner reads the partition's next offset,
 * watermark and keyed state from the store and has the bus start there, whatever Kafka's
 * committed offsets say. Each batch is folded and applied with its offsets, state changes and
 * outgoing records in one atomic `applyBatch`; the outbox relay then publishes the outgoing
 * records. A store that lost the group's data (its epoch is gone) is rebuilt from the log, from
 * `now - rebuildHorizonMs` in append time.
 */
export class StreamRunner {
  private readonly opts: StreamRunnerOptions;
  private readonly now: () => number;
  private readonly partitions = new Map<string, PartitionContext>();
  private readonly reads = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly relay: OutboxRelay;
  private subscription: Subscription | undefined;
  private restarting: Promise<void> | undefined;
  private stopped = true;
  readonly stats: StreamStats = {
    batches: 0,
    applied: 0,
    duplicates: 0,
    conflicts: 0,
    lost: 0,
    stateLost: 0,
    rebuilds: 0,
    rebuilding: 0,
    outboxPublished: 0,
    lastAppliedAt: null,
    lastError: null,
  };

  constructor(options: StreamRunnerOptions) {
    this.opts = options;
    this.now = options.now ?? Date.now;
    this.relay = new OutboxRelay({
      bus: options.bus,
      store: options.store,
      group: options.stage.group,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.outboxIntervalMs !== undefined ? { intervalMs: options.outboxIntervalMs } : {}),
      ...(options.outboxPageSize !== undefined ? { pageSize: options.outboxPageSize } : {}),
      onError: (err) => this.fail(err, 'outbox relay'),
    });
  }

  get group(): string {
    return this.opts.stage.group;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.relay.start();
    await this.subscribe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.restarting;
    await this.subscription?.stop();
    this.subscription = undefined;
    await this.relay.stop();
    this.partitions.clear();
  }

  /** publishes whatever the outbox holds now (tests and a clean stop use it) */
  async flushOutbox(): Promise<void> {
    await this.relay.drain();
    this.stats.outboxPublished = this.relay.published;
  }

  private async subscribe(): Promise<void> {
    const { bus, stage } = this.opts;
    this.subscription = await bus.subscribe({
      groupId: stage.group,
      topics: stage.topics,
      autoCommit: this.opts.commitOffsets ?? true,
      startAt: (topic, partition) => this.assign(topic, partition),
      onRevoke: (topic, partition) => this.revoke(topic, partition),
      eachBatch: (batch) => this.handle(batch),
    });
  }

  /** R2: where a newly assigned partition starts, read from the store (R6: or from the log by time) */
  private async assign(topic: string, partition: number): Promise<number> {
    const { store, bus, stage } = this.opts;
    const key = `${topic}:${partition}`;
    const previous = this.partitions.get(key);
    if (previous?.rebuildUntil !== null && previous?.rebuildUntil !== undefined) this.stats.rebuilding--;
    this.partitions.delete(key);
    // progress is read fresh for every assignment (R3: the watermark its last owner stored)
    const { epoch } = await store.openEpoch(stage.group);
    const progress = (await store.readProgress(stage.group))[key];
    if (progress) {
      const state = stage.keyedState ? await store.readState(stage.group, topic, partition) : new Map<string, string>();
      this.partitions.set(key, { epoch, ...progress, stored: true, state, rebuildUntil: null, ended: false });
      return progress.nextOffset;
    }
    if (this.opts.startAtTime !== undefined) {
      const at = this.opts.startAtTime;
      const start = (await this.shared(`at:${topic}`, () => bus.offsetsForTime(topic, at)))[partition] ?? 0;
      this.partitions.set(key, {
        epoch,
        nextOffset: start,
        watermark: null,
        stored: false,
        state: new Map(),
        rebuildUntil: null,
        ended: false,
      });
      return start;
    }
    const since = this.now() - stage.rebuildHorizonMs;
    const [from, end] = await Promise.all([
      this.shared(`time:${topic}`, () => bus.offsetsForTime(topic, since)),
      this.shared(`end:${topic}`, () => bus.endOffsets(topic)),
    ]);
    const start = from[partition] ?? 0;
    const until = end[partition] ?? 0;
    let rebuildUntil: number | null = null;
    if (until > start) {
      await store.markRebuild(stage.group, topic, partition, until);
      rebuildUntil = until;
      this.stats.rebuilds++;
      this.stats.rebuilding++;
      this.opts.metrics?.rebuilding(true);
      this.opts.log?.(
        `${stage.group}: no stored state for ${key}; rebuilding from offset ${start} (append time ${new Date(since).toISOString()}) to ${until}`,
      );
    }
    this.partitions.set(key, {
      epoch,
      nextOffset: start,
      watermark: null,
      stored: false,
      state: new Map(),
      rebuildUntil,
      ended: false,
    });
    return start;
  }

  /**
   * A log lookup shared by the partitions of one rebalance (one admin round trip, not one per
   * partition): a lookup started less than a second ago is reused. Only for where a rebuild
   * starts and ends, never for the store's progress.
   */
  private shared<T>(what: string, read: () => Promise<T>): Promise<T> {
    const hit = this.reads.get(what);
    if (hit && performance.now() - hit.at < 1_000) return hit.value as Promise<T>;
    const value = read();
    this.reads.set(what, { at: performance.now(), value });
    value.catch(() => this.reads.delete(what));
    return value;
  }

  private revoke(topic: string, partition: number): void {
    const key = `${topic}:${partition}`;
    const ctx = this.partitions.get(key);
    if (ctx?.rebuildUntil !== null && ctx?.rebuildUntil !== undefined) this.stats.rebuilding--;
    this.partitions.delete(key);
  }

  private async handle(batch: RecordBatch): Promise<void> {
    const { stage, metrics } = this.opts;
    const key = `${batch.topic}:${batch.partition}`;
    const ctx = this.partitions.get(key);
    if (!ctx) throw new Error(`${stage.group}: batch for ${key}, which is not assigned to this member`);
    if (ctx.ended) return;
    let records = batch.records.filter((r) => r.offset >= ctx.nextOffset);
    metrics?.lag(batch.topic, batch.partition, Math.max(0, batch.highWatermark - batch.nextOffset));
    if (records.length === 0) return;
    metrics?.consumed(records.length);
    const admit = this.opts.admit;
    if (!admit) {
      await this.apply(ctx, batch, records, batch.nextOffset);
      return;
    }
    // a prefix at a time, as `admit` lets through; the last one ends where the batch ends
    while (records.length > 0) {
      const n = Math.min(records.length, Math.max(0, Math.floor(await admit(batch.topic, batch.partition, records))));
      if (n === 0 || this.partitions.get(key) !== ctx) {
        ctx.ended = true;
        return;
      }
      const next = n < records.length ? records[n]!.offset : batch.nextOffset;
      if (!(await this.apply(ctx, batch, records.slice(0, n), next))) return;
      records = records.slice(n);
    }
  }

  /** folds and applies consecutive records of one partition up to `nextOffset`; false after a duplicate */
  private async apply(
    ctx: PartitionContext,
    batch: RecordBatch,
    records: readonly ConsumedRecord[],
    nextOffset: number,
  ): Promise<boolean> {
    const { stage, store, metrics } = this.opts;
    const key = `${batch.topic}:${batch.partition}`;
    const first = records[0]!.offset;
    let acceptGap = false;
    if (ctx.stored && first > ctx.nextOffset) {
      // R5: only the log itself losing records (retention) may open a gap; it is counted, never silent
      const logStart = (await this.opts.bus.startOffsets(batch.topic))[batch.partition] ?? 0;
      if (logStart < first) {
        throw this.fail(
          new Error(`${stage.group}: ${key} delivered from ${first} but the store is at ${ctx.nextOffset}`),
          'gap',
        );
      }
      acceptGap = true;
    }

    const out = stage.fold({
      topic: batch.topic,
      partition: batch.partition,
      records,
      watermark: ctx.watermark,
      state: ctx.state,
    });
    const stageBatch = this.toStageBatch(ctx, batch, records, nextOffset, out, acceptGap);
    const started = performance.now();
    let result: 'applied' | 'duplicate';
    try {
      result = await store.applyBatch(stageBatch);
    } catch (err) {
      await this.onApplyError(err, batch.topic, batch.partition);
      throw err;
    }
    if (result === 'duplicate') {
      // another member (or an earlier attempt whose answer was lost) applied these: adopt the store's view
      this.stats.duplicates += records.length;
      metrics?.duplicates(records.length);
      await this.reload(ctx, batch.topic, batch.partition);
      return false;
    }
    metrics?.observeApply((performance.now() - started) / 1000);
    metrics?.applied(records.length);
    if (acceptGap) {
      const lost = first - ctx.nextOffset;
      this.stats.lost += lost;
      metrics?.lost(lost);
      this.fail(new Error(`${lost} records of ${key} were gone from the log before ${stage.group} read them`), 'lost');
    }
    for (const [code, n] of Object.entries(out.dropped ?? {})) {
      if (code === ErrorCodes.EVT_TOO_LATE) metrics?.lateDrops(n);
    }
    ctx.nextOffset = nextOffset;
    ctx.stored = true;
    if (out.watermark !== null && (ctx.watermark === null || out.watermark > ctx.watermark))
      ctx.watermark = out.watermark;
    for (const [k, v] of out.set ?? []) ctx.state.set(k, v);
    for (const k of out.del ?? []) ctx.state.delete(k);
    if (ctx.rebuildUntil !== null && ctx.nextOffset >= ctx.rebuildUntil) {
      ctx.rebuildUntil = null;
      this.stats.rebuilding--;
      if (this.stats.rebuilding === 0) metrics?.rebuilding(false);
      this.opts.log?.(`${stage.group}: ${key} has caught up after the rebuild`);
    }
    this.stats.batches++;
    this.stats.applied += records.length;
    this.stats.lastAppliedAt = Date.now();
    if (stageBatch.outbox?.length) {
      for (const r of stageBatch.outbox) if (r.topic === 'city.dlq.v1') metrics?.deadLetters(deadLetterCode(r), 1);
      this.relay.wake();
    }
    this.stats.outboxPublished = this.relay.published;
    return true;
  }

  private toStageBatch(
    ctx: PartitionContext,
    batch: RecordBatch,
    records: readonly ConsumedRecord[],
    nextOffset: number,
    out: FoldOutput,
    acceptGap: boolean,
  ): StageBatch {
    const first = records[0]!.offset;
    const idBase = `${this.opts.stage.group}/${batch.topic}/${batch.partition}/${first}`;
    const outbox: OutboxRecord[] = (out.outgoing ?? []).map((r, i) => ({ id: `${idBase}/${i}`, ...r }));
    return {
      group: this.opts.stage.group,
      epoch: ctx.epoch,
      topic: batch.topic,
      partition: batch.partition,
      fromOffset: first,
      nextOffset,
      increments: out.increments ?? [],
      ...(out.gauges?.length ? { gauges: out.gauges } : {}),
      watermark: out.watermark,
      dropped: out.dropped ?? {},
      ...(out.set?.length ? { stateSet: out.set } : {}),
      ...(out.del?.length ? { stateDel: out.del } : {}),
      ...(outbox.length ? { outbox } : {}),
      ...(acceptGap ? { acceptGap } : {}),
    };
  }

  private async onApplyError(err: unknown, topic: string, partition: number): Promise<void> {
    const ctx = this.partitions.get(`${topic}:${partition}`);
    if (isCityopsError(err, ErrorCodes.STORE_OFFSET_CONFLICT) || isCityopsError(err, ErrorCodes.STORE_OFFSET_GAP)) {
      this.stats.conflicts++;
      this.opts.metrics?.conflicts(1);
      this.fail(err, 'apply');
      if (ctx) await this.reload(ctx, topic, partition).catch(() => undefined);
      return;
    }
    if (isCityopsError(err, ErrorCodes.STORE_STATE_LOST)) {
      // R7: the store lost the group's data while we ran: start over, which rebuilds from the log
      this.stats.stateLost++;
      this.fail(err, 'apply');
      this.restartSoon();
      return;
    }
    this.fail(err, 'apply');
  }

  /** re-reads a partition's progress and state from the store, after a duplicate or conflict */
  private async reload(ctx: PartitionContext, topic: string, partition: number): Promise<void> {
    const { store, stage } = this.opts;
    const progress = (await store.readProgress(stage.group))[`${topic}:${partition}`];
    if (!progress) return;
    ctx.nextOffset = progress.nextOffset;
    ctx.watermark = progress.watermark;
    ctx.stored = true;
    if (stage.keyedState) ctx.state = await store.readState(stage.group, topic, partition);
  }

  private restartSoon(): void {
    if (this.restarting || this.stopped) return;
    this.restarting = (async () => {
      // the failing batch is inside the subscription: let its handler return before stopping it
      await new Promise((r) => setImmediate(r));
      await this.subscription?.stop();
      this.partitions.clear();
      this.reads.clear();
      this.stats.rebuilding = 0;
      if (!this.stopped) await this.subscribe();
    })()
      .catch((err: unknown) => {
        this.fail(err, 'restart');
      })
      .finally(() => {
        this.restarting = undefined;
      });
  }

  private fail(err: unknown, what: string): Error {
    const code = isCityopsError(err) ? err.code : what === 'lost' ? ErrorCodes.STREAM_RECORDS_LOST : 'E_STREAM';
    const message = err instanceof Error ? err.message : String(err);
    this.stats.lastError = { code, message: `${what}: ${message}`, at: new Date().toISOString() };
    this.opts.log?.(`${this.opts.stage.group}: ${what}: ${message}`);
    return err instanceof Error ? err : new Error(message);
  }
}

function deadLetterCode(r: OutboxRecord): string {
  try {
    const v = JSON.parse(r.value) as { code?: unknown };
    return typeof v.code === 'string' ? v.code : 'other';
  } catch {
    return 'other';
  }
}
