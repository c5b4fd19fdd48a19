import type { BusLogger } from './logger.js';
import type { PartitionLog } from './partition-log.js';
import { PartitionWorker } from './partition-worker.js';
import type { SubscribeOptions } from './port.js';

export interface GroupMember {
  readonly id: number;
  readonly options: SubscribeOptions;
}

export interface GroupContext {
  logsOf(topic: string): PartitionLog[];
  maxBatchRecords: number;
  retryBackoffMs: number;
  logger: BusLogger;
}

/**
 * One consumer group of the embedded bus: its members, who owns which partition, and the
 * committed offsets. Partitions are dealt round-robin over the members subscribed to each
 * topic (Kafka's RoundRobinAssignor); every join or leave rebalances. Rebalances run one at a
 * time, and a partition is revoked (its in-flight batch finishes) before its new owner starts
 * at the committed offset, so no partition is ever processed by two members at once.
 * A member with `startAt` or `onRevoke` has every partition revoked and assigned again at each
 * rebalance, as Kafka's eager protocol does, so both modes call those hooks alike.
 */
export class EmbeddedGroup {
  private readonly members: GroupMember[] = [];
  private readonly workers = new Map<number, Map<string, PartitionWorker>>();
  private readonly committed = new Map<string, Map<number, number>>();
  /**
   * Where a partition without a committed offset started when the group first got it. A later
   * owner starts there too, so records appended between `fromBeginning: false` and the first
   * commit are not skipped by a rebalance.
   */
  private readonly firstPositions = new Map<string, number>();
  /** records lost to retention per partition key, and up to which offset they were counted */
  private readonly lost = new Map<string, number>();
  private readonly lostUpTo = new Map<string, number>();
  private rebalancing: Promise<void> = Promise.resolve();
  /** members that left and whose workers the pending rebalance has yet to stop */
  private readonly departed = new Map<number, GroupMember>();

  constructor(
    readonly groupId: string,
    private readonly ctx: GroupContext,
  ) {}

  get size(): number {
    return this.members.length;
  }

  join(member: GroupMember): Promise<void> {
    this.members.push(member);
    this.workers.set(member.id, new Map());
    return this.rebalance();
  }

  leave(member: GroupMember): Promise<void> {
    const index = this.members.indexOf(member);
    if (index >= 0) {
      this.members.splice(index, 1);
      // its workers are stopped by the next rebalance, which still needs its hooks
      this.departed.set(member.id, member);
    }
    return this.rebalance();
  }

  committedOffsets(topic: string): Record<number, number> {
    return Object.fromEntries(this.committed.get(topic) ?? []);
  }

  /** records of `topic` this group never got because retention's hard caps dropped them, by partition */
  lostRecords(topic: string): Record<number, number> {
    const out: Record<number, number> = {};
    for (const [key, n] of this.lost) {
      const { topic: t, partition } = parsePartitionKey(key);
      if (t === topic) out[partition] = n;
    }
    return out;
  }

  private rebalance(): Promise<void> {
    this.rebalancing = this.rebalancing.then(() => this.applyAssignment());
    return this.rebalancing;
  }

  private assignment(): Map<number, Set<string>> {
    const out = new Map<number, Set<string>>(this.members.map((m) => [m.id, new Set<string>()]));
    const topics = [...new Set(this.members.flatMap((m) => m.options.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const owners = this.members.filter((m) => m.options.topics.includes(topic)).sort((a, b) => a.id - b.id);
      for (const log of this.ctx.logsOf(topic)) {
        out.get(owners[turn++ % owners.length]!.id)!.add(partitionKey(topic, log.partition));
      }
    }
    return out;
  }

  private async applyAssignment(): Promise<void> {
    const wanted = this.assignment();
    const revoked: Promise<void>[] = [];
    for (const [memberId, workers] of this.workers) {
      const keep = wanted.get(memberId);
      const member = this.leftOrPresent(memberId);
      const hooked = member?.options.startAt !== undefined || member?.options.onRevoke !== undefined;
      for (const [key, worker] of workers) {
        if (keep?.has(key) && !hooked) continue;
        workers.delete(key);
        revoked.push(
          worker.stop().then(() => {
            const { topic, partition } = parsePartitionKey(key);
            member?.options.onRevoke?.(topic, partition);
          }),
        );
      }
      if (!keep) {
        this.workers.delete(memberId);
        this.departed.delete(memberId);
      }
    }
    await Promise.all(revoked);
    for (const member of this.members) {
      const workers = this.workers.get(member.id)!;
      for (const key of wanted.get(member.id)!) {
        if (!workers.has(key)) workers.set(key, this.startWorker(member, key));
      }
    }
  }

  private leftOrPresent(memberId: number): GroupMember | undefined {
    return this.members.find((m) => m.id === memberId) ?? this.departed.get(memberId);
  }

  private startWorker(member: GroupMember, key: string): PartitionWorker {
    const { topic, partition } = parsePartitionKey(key);
    const log = this.ctx.logsOf(topic)[partition]!;
    const { startAt } = member.options;
    let start: number | (() => Promise<number>);
    if (startAt) {
      start = () => startAt(topic, partition);
    } else {
      const committed = this.committed.get(topic)?.get(partition);
      let from = committed ?? this.firstPositions.get(key);
      if (from === undefined) {
        from = member.options.fromBeginning === false ? log.endOffset : log.startOffset;
        this.firstPositions.set(key, from);
      }
      start = from;
    }
    const autoCommit = member.options.autoCommit !== false;
    return new PartitionWorker({
      log,
      start,
      holdsRetention: true,
      onSkip: (from, to) => this.countLoss(key, from, to),
      maxBatchRecords: this.ctx.maxBatchRecords,
      retryBackoffMs: this.ctx.retryBackoffMs,
      eachBatch: member.options.eachBatch,
      afterBatch: (batch) => {
        if (!autoCommit) return;
        let offsets = this.committed.get(topic);
        if (!offsets) this.committed.set(topic, (offsets = new Map()));
        offsets.set(partition, batch.nextOffset);
      },
      logger: this.ctx.logger,
      what: `group ${this.groupId}`,
    });
  }

  /** counts each lost offset once per group, also when several owners in turn find it gone */
  private countLoss(key: string, from: number, to: number): void {
    const first = Math.max(from, this.lostUpTo.get(key) ?? 0);
    if (to <= first) return;
    this.lostUpTo.set(key, to);
    this.lost.set(key, (this.lost.get(key) ?? 0) + (to - first));
    const { topic, partition } = parsePartitionKey(key);
    this.ctx.logger.warn(
      `group ${this.groupId} lost ${to - first} records of ${topic}[${partition}] (offsets ${first}..${to - 1}) to retention`,
    );
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

function parsePartitionKey(key: string): { topic: string; partition: number } {
  const colon = key.indexOf(':');
  return { partition: Number(key.slice(0, colon)), topic: key.slice(colon + 1) };
}
