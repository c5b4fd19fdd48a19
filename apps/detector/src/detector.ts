import type { Bus } from '@cityops/bus';
import type { CityIndex, CityPack } from '@cityops/city';
import { stageMetrics } from '@cityops/metrics';
import { DEFAULT_PARTITIONS, Topics } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { StreamRunner, type StreamStats } from '@cityops/stream';
import { RuleEngine } from './engine.js';
import { packContext, type DetectorSettings } from './env.js';
import { RULES } from './rules/index.js';
import type { AnyRule } from './rules/rule.js';
import { BY_KEY_PARTITIONS, BY_KEY_TOPIC, routerStage, ruleStage } from './stream.js';

export interface DetectorOptions {
  bus: Bus;
  store: Store;
  pack: CityPack;
  index?: CityIndex;
  settings?: DetectorSettings;
  rules?: readonly AnyRule[];
  /** the router's consumer group; the rule stage is `<group>.rules` (default `detector`) */
  group?: string;
  /** input topic (default city.events.v1) */
  topic?: string;
  allowedLatenessMs: number;
  /** the internal topic (default cityops.detector.by-key.v1) and the alerts topic (default city.alerts.v1) */
  byKeyTopic?: string;
  alertsTopic?: string;
  /** partitions of the internal topic when it is created (default 8) */
  byKeyPartitions?: number;
  log?: (msg: string) => void;
  now?: () => number;
  outboxIntervalMs?: number;
  /**
   * records each stage's outbox relay publishes per round (default 64): what goes to the internal
   * topic leaves a fold as one batch record per partition (up to 128,000 characters each), so a
   * round of 64 moves a few MB, as 5,000 single records did before
   */
  outboxPageSize?: number;
}

/** the relay page of both stages unless told otherwise */
export const DETECTOR_OUTBOX_PAGE = 64;

/**
 * The detector on the stream runtime: two stages, each a pure fold with its keyed state, offsets
 * and outbox applied atomically (DESIGN.md decision 9). The router (group `detector`) reads
 * `city.events.v1` and repartitions by rule key through `cityops.detector.by-key.v1`; the rule
 * stage (group `detector.rules`) folds the rules and publishes alerts on `city.alerts.v1`.
 */
export class Detector {
  readonly router: StreamRunner;
  private rulesRunner: StreamRunner | undefined;
  private readonly engine: RuleEngine;
  private readonly opts: DetectorOptions;

  constructor(o: DetectorOptions) {
    this.opts = o;
    const engine = new RuleEngine(o.rules ?? RULES, packContext(o.pack, o.index), o.settings ?? {});
    const group = o.group ?? 'detector';
    const common = {
      bus: o.bus,
      store: o.store,
      ...(o.log ? { log: o.log } : {}),
      ...(o.now ? { now: o.now } : {}),
      ...(o.outboxIntervalMs !== undefined ? { outboxIntervalMs: o.outboxIntervalMs } : {}),
      outboxPageSize: o.outboxPageSize ?? DETECTOR_OUTBOX_PAGE,
    };
    this.engine = engine;
    this.router = new StreamRunner({
      ...common,
      stage: routerStage({
        group,
        engine,
        allowedLatenessMs: o.allowedLatenessMs,
        ...(o.topic ? { topic: o.topic } : {}),
        ...(o.byKeyPartitions ? { byKeyPartitions: o.byKeyPartitions } : {}),
        ...(o.byKeyTopic ? { byKeyTopic: o.byKeyTopic } : {}),
      }),
      metrics: stageMetrics('detector'),
    });
  }

  /** the rule stage's runner (made at start, when the input topic's partition count is known) */
  get rules(): StreamRunner {
    if (!this.rulesRunner) throw new Error('the detector has not started');
    return this.rulesRunner;
  }

  get stats(): { router: StreamStats; rules: StreamStats } {
    return { router: this.router.stats, rules: this.rulesRunner?.stats ?? this.router.stats };
  }

  async start(): Promise<void> {
    const byKey = this.opts.byKeyTopic ?? BY_KEY_TOPIC;
    await this.opts.bus.ensureTopics([
      { topic: byKey, partitions: this.opts.byKeyPartitions ?? BY_KEY_PARTITIONS },
      { topic: this.opts.alertsTopic ?? Topics.alerts, partitions: DEFAULT_PARTITIONS[Topics.alerts] },
    ]);
    const parts = Object.keys(await this.opts.bus.endOffsets(byKey)).length;
    const want = this.opts.byKeyPartitions ?? BY_KEY_PARTITIONS;
    if (parts !== want) throw new Error(`${byKey} has ${parts} partitions, the detector was configured for ${want}`);
    const o = this.opts;
    const upstream = Object.keys(await o.bus.endOffsets(o.topic ?? Topics.events)).length;
    this.rulesRunner ??= new StreamRunner({
      bus: o.bus,
      store: o.store,
      ...(o.log ? { log: o.log } : {}),
      ...(o.now ? { now: o.now } : {}),
      ...(o.outboxIntervalMs !== undefined ? { outboxIntervalMs: o.outboxIntervalMs } : {}),
      outboxPageSize: o.outboxPageSize ?? DETECTOR_OUTBOX_PAGE,
      stage: ruleStage({
        group: `${o.group ?? 'detector'}.rules`,
        engine: this.engine,
        upstreamPartitions: upstream,
        ...(o.byKeyTopic ? { byKeyTopic: o.byKeyTopic } : {}),
        ...(o.alertsTopic ? { alertsTopic: o.alertsTopic } : {}),
        ...(o.byKeyPartitions ? { byKeyPartitions: o.byKeyPartitions } : {}),
      }),
      metrics: stageMetrics('detector-rules'),
    });
    await this.rulesRunner.start();
    await this.router.start();
  }

  async stop(): Promise<void> {
    await this.router.stop();
    await this.rulesRunner?.stop();
  }

  /** publishes what both outboxes hold now */
  async flushOutbox(): Promise<void> {
    await this.router.flushOutbox();
    await this.rules.flushOutbox();
  }
}
