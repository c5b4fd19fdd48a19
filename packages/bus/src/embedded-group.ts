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
  private rebalancing: Promise<void> = Promise.resolve();

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
    if (index >= 0) this.members.splice(index, 1);
    return this.rebalance();
  }

  committedOffsets(topic: string): Record<number, number> {
    return Object.fromEntries(this.committed.get(topic) ?? []);
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
      for (const [key, worker] of workers) {
        if (keep?.has(key)) continue;
        workers.delete(key);
        revoked.push(worker.stop());
      }
      if (!keep) this.workers.delete(memberId);
    }
    await Promise.all(revoked);
    for (const member of this.members) {
      const workers = this.workers.get(member.id)!;
      for (const key of wanted.get(member.id)!) {
        if (!workers.has(key)) workers.set(key, this.startWorker(member, key));
      }
    }
  }

  private startWorker(member: GroupMember, key: string): PartitionWorker {
    const { topic, partition } = parsePartitionKey(key);
    const log = this.ctx.logsOf(topic)[partition]!;
    const committed = this.committed.get(topic)?.get(partition);
    let start = committed ?? this.firstPositions.get(key);
    if (start === undefined) {
      start = member.options.fromBeginning === false ? log.endOffset : log.startOffset;
      this.firstPositions.set(key, start);
    }
    const autoCommit = member.options.autoCommit !== false;
    return new PartitionWorker({
      log,
      start,
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
}

function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

function parsePartitionKey(key: string): { topic: string; partition: number } {
  const colon = key.indexOf(':');
  return { partition: Number(key.slice(0, colon)), topic: key.slice(colon + 1) };
}
