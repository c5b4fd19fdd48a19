import type { Bus } from '@cityops/bus';
import type { CityIndex, CityPack } from '@cityops/city';
import { stageMetrics } from '@cityops/metrics';
import { Topics } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { StreamRunner, type Stage, type StreamStats } from '@cityops/stream';
import { BUCKET_MS, WINDOW_M15_MS, knownSources } from '@cityops/vitals';
import { buildBatch } from './build-batch.js';
import { ThemesRunner } from './themes.js';

export interface AggregatorOptions {
  bus: Bus;
  store: Store;
  /** consumer group; the store keeps counters, offsets and the outbox per group */
  group: string;
  allowedLatenessMs: number;
  topic?: string;
  log?: (msg: string) => void;
  /** the wall clock, for the rebuild horizon (tests) */
  now?: () => number;
  /**
   * Sources counted by name (KNOWN_SOURCES: exact names, or prefixes ending in `*`); any other is
   * counted as `other`, so senders cannot grow the vital signs by inventing names. Unset: all by name.
   */
  knownSources?: readonly string[];
  /**
   * The city pack and its index: with them the vital signs by theme run too (issue 11), as two
   * more stages in their own groups (`<group>.themes`, `<group>.themes.vans`). Without: counts only.
   */
  city?: { pack: CityPack; index: CityIndex };
  /** the internal topic of the themes' vehicle repartition (default cityops.themes.by-vehicle.v1; tests) */
  vanTopic?: string;
}

/**
 * The vital-signs stage: folds `city.events.v1` into counter buckets by event time. A pure fold
 * on the stream runtime (packages/stream), which applies the counters, the dropped counts, the
 * dead letters (through the outbox) and the offsets in one atomic step, resumes from the store's
 * offsets on every assignment, and rebuilds from the log when the store lost the group's data.
 */
export function aggregatorStage(
  group: string,
  allowedLatenessMs: number,
  topic: string = Topics.events,
  sources?: readonly string[],
): Stage {
  const known = sources ? knownSources(sources) : undefined;
  return {
    group,
    topics: [topic],
    // the screens' longest window, plus the lateness that can still land in it, plus one bucket
    rebuildHorizonMs: WINDOW_M15_MS + allowedLatenessMs + BUCKET_MS,
    fold: ({ records, watermark }) => {
      const built = buildBatch(records, watermark, allowedLatenessMs, known);
      return {
        watermark: built.watermark,
        increments: built.increments,
        dropped: built.dropped,
        outgoing: built.deadLetters.map((value) => ({ topic: Topics.dlq, key: 'aggregator', value })),
      };
    },
  };
}

/** Runs the vital-signs stage as a member of its group. */
export class Aggregator {
  private readonly runner: StreamRunner;
  /** the themes stages, when the aggregator was given the city */
  readonly themes: ThemesRunner | undefined;

  constructor(options: AggregatorOptions) {
    this.runner = new StreamRunner({
      bus: options.bus,
      store: options.store,
      stage: aggregatorStage(options.group, options.allowedLatenessMs, options.topic, options.knownSources),
      metrics: stageMetrics('aggregator'),
      ...(options.log ? { log: options.log } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    this.themes = options.city
      ? new ThemesRunner({
          bus: options.bus,
          store: options.store,
          group: options.group,
          allowedLatenessMs: options.allowedLatenessMs,
          pack: options.city.pack,
          index: options.city.index,
          ...(options.topic ? { topic: options.topic } : {}),
          ...(options.vanTopic ? { vanTopic: options.vanTopic } : {}),
          ...(options.log ? { log: options.log } : {}),
          ...(options.now ? { now: options.now } : {}),
        })
      : undefined;
  }

  get stats(): StreamStats {
    return this.runner.stats;
  }

  async start(): Promise<void> {
    await this.runner.start();
    await this.themes?.start();
  }

  async stop(): Promise<void> {
    await this.themes?.stop();
    await this.runner.stop();
  }
}
