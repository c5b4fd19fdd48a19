import type { Bus } from '@cityops/bus';
import type { CityIndex, CityPack } from '@cityops/city';
import { stageMetrics } from '@cityops/metrics';
import { Topics } from '@cityops/schema';
import type { Store } from '@cityops/store';
import { StreamRunner, type Stage, type StreamStats } from '@cityops/stream';
import {
  FRESH_MS,
  VAN_TOPIC,
  foldThemes,
  foldVans,
  themesGroups,
  type RoadInfo,
  type StopPlace,
} from '@cityops/themes';

/** metres from a road segment's line within which a stop is on the carriageway */
const CARRIAGEWAY_M = 25;

export interface ThemesStageOptions {
  /** the aggregator's group: the themes groups are `<group>.themes` and `<group>.themes.vans` */
  group: string;
  allowedLatenessMs: number;
  pack: CityPack;
  topic?: string;
  /** the internal topic vehicle fixes are repartitioned through (default VAN_TOPIC) */
  vanTopic?: string;
}

/** the state that matters: the freshest figures' window twice, plus the lateness */
export function themesRebuildHorizonMs(allowedLatenessMs: number): number {
  return 2 * FRESH_MS + allowedLatenessMs;
}

export function roadsOf(pack: CityPack): Map<string, RoadInfo> {
  return new Map(pack.roads.map((r) => [r.id, { roadClass: r.roadClass, speedLimitKmh: r.speedLimitKmh }]));
}

/**
 * The themes stage over `city.events.v1` (packages/themes `foldThemes`): sensors and 12345 tickets
 * as keyed items moving per-area gauges, vehicle fixes forwarded by vehicle to the van topic.
 */
export function themesStage(o: ThemesStageOptions): Stage {
  const roads = roadsOf(o.pack);
  const vanTopic = o.vanTopic ?? VAN_TOPIC;
  return {
    group: themesGroups(o.group).events,
    topics: [o.topic ?? Topics.events],
    rebuildHorizonMs: themesRebuildHorizonMs(o.allowedLatenessMs),
    keyedState: true,
    fold: ({ records, watermark, state }) =>
      foldThemes(
        { records, watermark, state },
        {
          timeZone: o.pack.meta.timeZone,
          roads,
          allowedLatenessMs: o.allowedLatenessMs,
          vanTopic,
          ...(o.pack.hotlineDeadlines ? { deadlines: o.pack.hotlineDeadlines } : {}),
        },
      ),
  };
}

/** Where a van stands: in a loading zone, on the carriageway (within 25 m of a segment), or off the road. */
export function stopPlaceOf(index: CityIndex): (lon: number, lat: number) => StopPlace {
  return (lon, lat) =>
    index.inLoadingZone(lon, lat) !== null ? 'lz' : index.nearestRoad(lon, lat, CARRIAGEWAY_M) ? 'cw' : 'off';
}

/** The logistics stage over the van topic (packages/themes `foldVans`). */
export function vansStage(o: ThemesStageOptions & { index: CityIndex }): Stage {
  const placeOf = stopPlaceOf(o.index);
  return {
    group: themesGroups(o.group).vans,
    topics: [o.vanTopic ?? VAN_TOPIC],
    rebuildHorizonMs: themesRebuildHorizonMs(o.allowedLatenessMs),
    keyedState: true,
    fold: ({ records, watermark, state }) =>
      foldVans({ records, watermark, state }, { allowedLatenessMs: o.allowedLatenessMs, placeOf }),
  };
}

export interface ThemesRunnerOptions extends ThemesStageOptions {
  bus: Bus;
  store: Store;
  index: CityIndex;
  vanPartitions?: number;
  log?: (msg: string) => void;
  now?: () => number;
}

/** Runs both themes stages (their own groups, beside the counting stage, which stays as fast as it was). */
export class ThemesRunner {
  private readonly events: StreamRunner;
  private readonly vans: StreamRunner;

  constructor(private readonly o: ThemesRunnerOptions) {
    const common = {
      bus: o.bus,
      store: o.store,
      ...(o.log ? { log: o.log } : {}),
      ...(o.now ? { now: o.now } : {}),
    };
    // one outgoing record per vehicle fix: relay rounds as large as the detector's repartition
    this.events = new StreamRunner({
      ...common,
      stage: themesStage(o),
      metrics: stageMetrics('themes'),
      outboxPageSize: 5_000,
    });
    this.vans = new StreamRunner({ ...common, stage: vansStage(o), metrics: stageMetrics('themes_vans') });
  }

  get stats(): { events: StreamStats; vans: StreamStats } {
    return { events: this.events.stats, vans: this.vans.stats };
  }

  async start(): Promise<void> {
    await this.o.bus.ensureTopics([{ topic: this.o.vanTopic ?? VAN_TOPIC, partitions: this.o.vanPartitions ?? 8 }]);
    await this.events.start();
    await this.vans.start();
  }

  /** publishes what the events stage's outbox holds (tests) */
  flushOutbox(): Promise<void> {
    return this.events.flushOutbox();
  }

  async stop(): Promise<void> {
    await this.events.stop();
    await this.vans.stop();
  }
}
