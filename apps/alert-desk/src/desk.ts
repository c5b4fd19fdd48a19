import { partitionForKey, type Bus } from '@cityops/bus';
import { stageMetrics } from '@cityops/metrics';
import type { AlertActionInput } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { StreamRunner, type Stage, type StreamStats } from '@cityops/stream';
import type { AuditEntry } from './audit.js';
import { DeskClient, type SubmitResult } from './client.js';
import { deskFold, type DeskFoldOptions } from './fold.js';
import { intakeStage } from './intake.js';
import { DEFAULT_DEADLINES, type CaseView, type Deadlines, type DeskInput } from './model.js';
import { DeskReader, type CaseFilter } from './reader.js';
import { DEFAULT_DESK_TOPICS, DESK_PARTITIONS, type DeskTopics } from './topics.js';

/**
 * How far back a desk whose store lost its data re-reads the cases topic. Cases live for days, so
 * this is long; a case older than the log's retention cannot be rebuilt (README: known limits).
 */
export const DESK_REBUILD_HORIZON_MS = 30 * 24 * 60 * 60_000;

export interface AlertDeskOptions {
  bus: Bus;
  store: Store;
  /** the fold's consumer group (default `alert-desk`); the intake runs as `${group}.intake` */
  group?: string;
  topics?: DeskTopics;
  deadlines?: DeskFoldOptions['deadlines'];
  departments?: DeskFoldOptions['departments'];
  archivePrefix?: string;
  /** how often the desk's clock ticks into every cases partition (default 5 s; 0: never, tests tick by hand) */
  tickIntervalMs?: number;
  /** the desk's clock for ticks (default Date.now) */
  now?: () => number;
  /** the wall clock for the runtime's rebuild horizon */
  wallClock?: () => number;
  /** how long `submit` waits for a decision */
  submitTimeoutMs?: number;
  /** the runtime's outbox relay interval */
  outboxIntervalMs?: number;
  log?: (msg: string) => void;
  /** partitions of the internal topics when the desk creates them */
  partitions?: number;
}

/** The desk's fold as a Stage: group, the one input topic, and the pure fold. */
export function deskStage(group: string, fold: DeskFoldOptions): Stage {
  return {
    group,
    topics: [fold.topics.cases],
    rebuildHorizonMs: DESK_REBUILD_HORIZON_MS,
    keyedState: true,
    fold: deskFold(fold),
  };
}

/**
 * The alert desk (issue 10): the intake stage (alerts + commands → the cases topic, keyed by case
 * id), the desk stage (the fold: cases, deadlines, audit, decisions), the clock that ticks event
 * time into every partition, and the read/submit API the HTTP layer will sit on.
 */
export class AlertDesk {
  readonly topics: DeskTopics;
  readonly group: string;
  readonly reader: DeskReader;
  readonly client: DeskClient;
  private readonly intake: StreamRunner;
  private readonly desk: StreamRunner;
  private readonly now: () => number;
  private ticker: NodeJS.Timeout | undefined;
  private tickKeys: string[] | undefined;

  constructor(private readonly opts: AlertDeskOptions) {
    this.topics = opts.topics ?? DEFAULT_DESK_TOPICS;
    this.group = opts.group ?? 'alert-desk';
    this.now = opts.now ?? Date.now;
    const common = {
      bus: opts.bus,
      store: opts.store,
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.wallClock ? { now: opts.wallClock } : {}),
      ...(opts.outboxIntervalMs !== undefined ? { outboxIntervalMs: opts.outboxIntervalMs } : {}),
    };
    this.intake = new StreamRunner({
      ...common,
      stage: intakeStage(`${this.group}.intake`, this.topics),
      metrics: stageMetrics('alert-desk-intake'),
    });
    this.desk = new StreamRunner({
      ...common,
      stage: deskStage(this.group, {
        topics: this.topics,
        deadlines: opts.deadlines ?? DEFAULT_DEADLINES,
        ...(opts.departments ? { departments: opts.departments } : {}),
        ...(opts.archivePrefix ? { archivePrefix: opts.archivePrefix } : {}),
      }),
      metrics: stageMetrics('alert-desk'),
    });
    this.reader = new DeskReader({
      bus: opts.bus,
      store: opts.store,
      group: this.group,
      casesTopic: this.topics.cases,
    });
    this.client = new DeskClient({
      bus: opts.bus,
      topics: this.topics,
      reader: this.reader,
      ...(opts.submitTimeoutMs !== undefined ? { timeoutMs: opts.submitTimeoutMs } : {}),
    });
  }

  get stats(): { intake: StreamStats; desk: StreamStats } {
    return { intake: this.intake.stats, desk: this.desk.stats };
  }

  async start(): Promise<void> {
    const n = this.opts.partitions ?? DESK_PARTITIONS.cases;
    await this.opts.bus.ensureTopics([
      { topic: this.topics.alerts, partitions: 4 },
      { topic: this.topics.actions, partitions: 4 },
      { topic: this.topics.dlq, partitions: 1 },
      { topic: this.topics.cases, partitions: n },
      { topic: this.topics.decisions, partitions: n },
      { topic: this.topics.audit, partitions: n },
    ]);
    await this.desk.start();
    await this.intake.start();
    await this.client.start();
    const every = this.opts.tickIntervalMs ?? 5_000;
    if (every > 0) {
      this.ticker = setInterval(() => {
        this.tick().catch((err: unknown) => this.opts.log?.(`alert desk tick failed: ${String(err)}`));
      }, every);
      this.ticker.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    await this.client.stop();
    await this.intake.stop();
    await this.desk.stop();
  }

  /**
   * Moves the desk's event time: one tick record into every partition of the cases topic, so that
   * deadlines fire on partitions that hear nothing else. `at` defaults to the desk's clock.
   */
  async tick(at: number = this.now()): Promise<void> {
    const keys = await this.keysPerPartition();
    const value = JSON.stringify({ kind: 'tick', at: new Date(at).toISOString() } satisfies DeskInput);
    await this.opts.bus.publish(
      this.topics.cases,
      keys.map((key) => ({ key, value })),
    );
  }

  /** publishes whatever both stages' outboxes hold (tests) */
  async flush(): Promise<void> {
    await this.intake.flushOutbox();
    await this.desk.flushOutbox();
  }

  submit(command: AlertActionInput | Record<string, unknown>): Promise<SubmitResult> {
    return this.client.submit(command);
  }

  listCases(filter?: CaseFilter): Promise<CaseView[]> {
    return this.reader.listCases(filter);
  }

  getCase(id: string): Promise<CaseView | null> {
    return this.reader.getCase(id);
  }

  audit(id: string): Promise<AuditEntry[]> {
    return this.reader.audit(id);
  }

  /** one key that lands on each partition of the cases topic */
  private async keysPerPartition(): Promise<string[]> {
    if (!this.tickKeys) {
      const n = await this.reader.partitions();
      const keys: string[] = [];
      for (let p = 0; p < n; p++) {
        let i = 0;
        while (partitionForKey(`tick-${p}-${i}`, n) !== p) i++;
        keys.push(`tick-${p}-${i}`);
      }
      this.tickKeys = keys;
    }
    return this.tickKeys;
  }
}

type PartialDeadlines = { [K in keyof Deadlines]?: Partial<Deadlines[K]> };

/** The desk's deadlines: the pack's (`pack.json` `deadlines`, any level left out) over DEFAULT_DEADLINES. */
export function deadlinesOf(pack: PartialDeadlines | undefined): Deadlines {
  return {
    ackMinutes: { ...DEFAULT_DEADLINES.ackMinutes, ...pack?.ackMinutes },
    onSiteMinutes: { ...DEFAULT_DEADLINES.onSiteMinutes, ...pack?.onSiteMinutes },
    resolveMinutes: { ...DEFAULT_DEADLINES.resolveMinutes, ...pack?.resolveMinutes },
  };
}

/** the pack's departments as the desk needs them: ids a dispatch may name, 应急 on-site minutes */
export function departmentsOf(
  departments: ReadonlyArray<{ id: string; onSiteMinutes?: number }>,
): Map<string, { onSiteMinutes?: number }> {
  return new Map(
    departments.map((d) => [d.id, d.onSiteMinutes === undefined ? {} : { onSiteMinutes: d.onSiteMinutes }]),
  );
}
