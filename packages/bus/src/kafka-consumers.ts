import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { KafkaAssignments } from './kafka-assignments.js';
import { busUnavailable } from './kafka-errors.js';
import { toRecordBatch } from './kafka-records.js';
import { retryTransient, type RetryPolicy } from './kafka-retry.js';
import { describeError, type BusLogger } from './logger.js';
import type { RecordBatch, ReplayOptions, ReplaySubscription, SubscribeOptions, Subscription } from './port.js';

export interface ConsumerTuning {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxWaitTimeMs: number;
  retryBackoffMs: number;
  partitionsConsumedConcurrently: number;
}

export interface ConsumerContext {
  kafka: Kafka;
  admin: () => Promise<Admin>;
  brokers: string[];
  clientId: string;
  tuning: ConsumerTuning;
  logger: BusLogger;
  endOffsets: (topic: string) => Promise<Record<number, number>>;
  /** log start and end offset per partition */
  offsetRange: (topic: string) => Promise<Record<number, { low: number; high: number }>>;
  /** for transient broker errors while starting (the coordinator is loading, ...) */
  retry: RetryPolicy;
}

/**
 * A group member: kafkajs with autoCommit off and auto-resolve off, so that the bus decides
 * what is committed. After the handler resolves, the batch is resolved (moves the fetch
 * position) and its nextOffset committed. When the handler rejects, nothing is resolved or
 * committed and the consumer seeks back to the batch's first offset, so the batch comes again.
 * With `startAt` / `onRevoke`, KafkaAssignments positions every assignment and filters batches.
 * Transient broker errors while starting are retried (ctx.retry); a consumer crash that kafkajs
 * restarts by itself (retriable errors) is waited out, not turned into a failure.
 */
export async function startGroupMember(ctx: ConsumerContext, options: SubscribeOptions): Promise<Subscription> {
  const consumer = createConsumer(ctx, options.groupId);
  const autoCommit = options.autoCommit !== false;
  const what = `group ${options.groupId}`;
  const hooked = options.startAt !== undefined || options.onRevoke !== undefined;
  const assignments = hooked
    ? new KafkaAssignments(consumer, options, {
        offsetRange: ctx.offsetRange,
        retryBackoffMs: ctx.tuning.retryBackoffMs,
        logger: ctx.logger,
        what,
      })
    : undefined;
  if (assignments) {
    consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.assigned(e.payload.memberAssignment));
  }
  try {
    await retryTransient(`${what}: connect`, () => consumer.connect(), ctx.retry, ctx.logger);
    await retryTransient(
      `${what}: subscribe`,
      () =>
        consumer.subscribe({
          topics: options.topics,
          // with startAt every partition is sought; an offset that retention removed meanwhile
          // must then reset to the log start, never to the end
          fromBeginning: options.startAt !== undefined || options.fromBeginning !== false,
        }),
      ctx.retry,
      ctx.logger,
    );
    const ready = firstFetch(consumer, ctx, what);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: ctx.tuning.partitionsConsumedConcurrently,
      eachBatch: async (payload) => {
        if (payload.batch.isEmpty()) return;
        const { topic, partition } = payload.batch;
        const admitted = assignments ? await assignments.admit(topic, partition, payload.batch.messages) : undefined;
        if (assignments && !admitted) return;
        const batch = toRecordBatch(payload.batch, admitted?.messages);
        const delivery = deliver(ctx, consumer, payload, batch, options.eachBatch, what);
        const ok = await (assignments ? assignments.track(topic, partition, delivery) : delivery);
        if (!ok) return;
        if (assignments && admitted) assignments.advance(topic, partition, admitted.generation, batch.nextOffset);
        payload.resolveOffset(payload.batch.lastOffset());
        if (autoCommit) {
          // commitOffsetsIfNecessary(offsets) commits right away, and unlike consumer.commitOffsets
          // it still commits while stop() waits for this batch, so a clean stop loses no commit.
          await payload.commitOffsetsIfNecessary({
            topics: [
              { topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(batch.nextOffset) }] },
            ],
          });
        }
      },
    });
    await ready;
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    await assignments?.stop(); // an assignment that was made still ends with onRevoke
    throw busUnavailable(ctx.brokers, `join group ${options.groupId}`, err);
  }
  consumer.on(consumer.events.CRASH, (e) => {
    // kafkajs restarts the consumer itself after a retriable error (restart: true)
    if (e.payload.restart)
      ctx.logger.warn(`${what}: consumer crashed, kafkajs restarts it: ${describeError(e.payload.error)}`);
    else ctx.logger.error(`${what}: consumer stopped for good: ${describeError(e.payload.error)}`);
  });
  return {
    stop: once(async () => {
      await consumer.disconnect();
      await assignments?.stop();
    }),
  };
}

/**
 * A replay: kafkajs cannot read without a group, so it uses a throwaway group that never commits
 * and is deleted at stop. Start offsets are applied with seek after run (kafkajs refuses seek
 * before). Records below what was already delivered are dropped, which covers a fetch that
 * raced the seek and came back from the beginning.
 */
export async function startReplay(ctx: ConsumerContext, options: ReplayOptions): Promise<ReplaySubscription> {
  const { topic } = options;
  const ends = await ctx.endOffsets(topic);
  const next = new Map<number, number>();
  let pending = 0;
  for (const [p, end] of Object.entries(ends)) {
    const start = options.fromOffsets?.[Number(p)] ?? 0;
    next.set(Number(p), start);
    if (start < end) pending++;
  }
  const reached = new Set<number>([...next].filter(([p, start]) => start >= ends[p]!).map(([p]) => p));
  let markDone!: () => void;
  const done = new Promise<void>((resolve) => (markDone = resolve));
  if (pending === 0) markDone();

  const groupId = `${ctx.clientId}-replay-${randomUUID()}`;
  const consumer = createConsumer(ctx, groupId);
  const cleanup = async () => {
    await consumer.disconnect().catch(() => {});
    const admin = await ctx.admin().catch(() => undefined);
    await admin?.deleteGroups([groupId]).catch(() => {});
  };
  try {
    await retryTransient(`replay of ${topic}: connect`, () => consumer.connect(), ctx.retry, ctx.logger);
    await retryTransient(
      `replay of ${topic}: subscribe`,
      () => consumer.subscribe({ topics: [topic], fromBeginning: true }),
      ctx.retry,
      ctx.logger,
    );
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: ctx.tuning.partitionsConsumedConcurrently,
      eachBatch: async (payload) => {
        const { partition } = payload.batch;
        const expected = next.get(partition) ?? 0;
        const fresh = payload.batch.messages.filter((m) => Number(m.offset) >= expected);
        if (fresh.length > 0) {
          const batch = toRecordBatch(payload.batch, fresh);
          if (!(await deliver(ctx, consumer, payload, batch, options.eachBatch, `replay of ${topic}`, expected)))
            return;
          next.set(partition, batch.nextOffset);
          if (!reached.has(partition) && batch.nextOffset >= (ends[partition] ?? 0)) {
            reached.add(partition);
            if (--pending === 0) markDone();
          }
        }
        if (!payload.batch.isEmpty()) payload.resolveOffset(payload.batch.lastOffset());
      },
    });
    for (const [partition, start] of next) {
      // a fresh group starts at the earliest offset anyway; seeking to 0 below a log start that
      // retention moved would only log an out-of-range error
      if (start > 0) consumer.seek({ topic, partition, offset: String(start) });
    }
  } catch (err) {
    await cleanup();
    throw busUnavailable(ctx.brokers, `replay ${topic}`, err);
  }
  return { done, stop: once(cleanup) };
}

/** runs the handler with heartbeats; on rejection waits, seeks back and reports false */
async function deliver(
  ctx: ConsumerContext,
  consumer: Consumer,
  payload: EachBatchPayload,
  batch: RecordBatch,
  handler: (batch: RecordBatch) => Promise<void>,
  what: string,
  seekTo = batch.records[0]!.offset,
): Promise<boolean> {
  // a long batch must not cost the membership: kafkajs only heartbeats between batches
  const beat = setInterval(() => void payload.heartbeat().catch(() => {}), ctx.tuning.heartbeatIntervalMs);
  try {
    await handler(batch);
    return true;
  } catch (err) {
    ctx.logger.warn(
      `${what}: batch ${batch.topic}[${batch.partition}]@${batch.records[0]!.offset} rejected, redelivering in ${ctx.tuning.retryBackoffMs} ms: ${describeError(err)}`,
    );
    await new Promise((r) => setTimeout(r, ctx.tuning.retryBackoffMs));
    // Seeking (rather than throwing to kafkajs) redelivers this partition only: a throw makes
    // kafkajs restart the fetch loop and replay in-flight batches of other partitions too.
    consumer.seek({ topic: batch.topic, partition: batch.partition, offset: String(seekTo) });
    return false;
  } finally {
    clearInterval(beat);
  }
}

function createConsumer(ctx: ConsumerContext, groupId: string): Consumer {
  const t = ctx.tuning;
  const config: ConsumerConfig = {
    groupId,
    sessionTimeout: t.sessionTimeoutMs,
    heartbeatInterval: t.heartbeatIntervalMs,
    rebalanceTimeout: t.rebalanceTimeoutMs,
    maxWaitTimeInMs: t.maxWaitTimeMs,
    allowAutoTopicCreation: false,
  };
  return ctx.kafka.consumer(config);
}

/**
 * Resolves after the member's first fetch: by then kafkajs has resolved its start offsets, so
 * `fromBeginning: false` means "records published after subscribe resolved". A crash that
 * kafkajs restarts (a retriable error such as "the coordinator is loading" straight after a
 * broker restart) is waited out for up to the transient-error budget; any other crash fails.
 */
function firstFetch(consumer: Consumer, ctx: ConsumerContext, what: string): Promise<void> {
  const { tuning } = ctx;
  const joinMs = tuning.sessionTimeoutMs + tuning.rebalanceTimeoutMs;
  const started = Date.now();
  return new Promise<void>((resolve, reject) => {
    const removers: Array<() => void> = [];
    let timer = setTimeout(() => finish(new Error('no first fetch after joining the group')), joinMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      for (const remove of removers) remove();
      if (err) reject(err);
      else resolve();
    };
    removers.push(consumer.on(consumer.events.FETCH, () => finish()));
    removers.push(
      consumer.on(consumer.events.CRASH, (e) => {
        const left = started + ctx.retry.budgetMs + joinMs - Date.now();
        if (!e.payload.restart || left <= 0) return finish(e.payload.error);
        ctx.logger.warn(
          `${what}: consumer crashed while joining, kafkajs restarts it: ${describeError(e.payload.error)}`,
        );
        clearTimeout(timer);
        timer = setTimeout(() => finish(e.payload.error), left);
      }),
    );
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
