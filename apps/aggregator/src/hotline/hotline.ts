import type { Bus } from '@cityops/bus';
import type { Config } from '@cityops/config';
import {
  HOTLINE_MONTH_TTL_MS,
  HOTLINE_ROLLING_TTL_MS,
  hotlineGroups,
  kpiContextOf,
  type KpiPack,
} from '@cityops/hotline-kpis';
import { stageMetrics } from '@cityops/metrics';
import { Topics } from '@cityops/schema';
import { MemoryStore, RedisStore, type Store } from '@cityops/store';
import { StreamRunner, type StreamStats } from '@cityops/stream';
import { BY_TICKET_PARTITIONS, BY_TICKET_TOPIC, hotlineRouterStage, hotlineTicketStage } from './stages.js';

/** The stores the two KPI namespaces are written to: their buckets live as long as their periods need. */
export interface HotlineStores {
  month: Store;
  rolling: Store;
}

/**
 * Opens the KPI stores for the configured mode: two more Redis clients on REDIS_URL (same key
 * prefix; the groups keep them apart) whose buckets expire after 400 days and 26 h, or two memory
 * stores in embedded mode. The vital-signs store keeps its 2 h.
 */
export function openHotlineStores(config: Config): HotlineStores {
  if (config.mode === 'distributed') {
    const redis = (bucketTtlMs: number) =>
      new RedisStore({ url: config.REDIS_URL!, keyPrefix: config.REDIS_KEY_PREFIX, bucketTtlMs });
    return { month: redis(HOTLINE_MONTH_TTL_MS), rolling: redis(HOTLINE_ROLLING_TTL_MS) };
  }
  return {
    month: new MemoryStore({ bucketTtlMs: HOTLINE_MONTH_TTL_MS }),
    rolling: new MemoryStore({ bucketTtlMs: HOTLINE_ROLLING_TTL_MS }),
  };
}

function retainOf(o: HotlineKpiOptions, kind: 'month' | 'rolling') {
  const r = o.retain?.[kind];
  return {
    ...(r?.afterCallbackMs !== undefined ? { retainAfterCallbackMs: r.afterCallbackMs } : {}),
    ...(r?.maxAgeMs !== undefined ? { maxAgeMs: r.maxAgeMs } : {}),
  };
}

export interface HotlineKpiOptions {
  bus: Bus;
  /** the router's store (offsets and outbox only: the vital-signs store is fine) */
  store: Store;
  stores: HotlineStores;
  pack: KpiPack;
  /** the aggregator's group: the stages' groups are named after it (hotlineGroups) */
  group: string;
  topic?: string;
  byTicketTopic?: string;
  byTicketPartitions?: number;
  log?: (msg: string) => void;
  now?: () => number;
  outboxIntervalMs?: number;
  /** how long ticket states are kept (TicketStageOptions; defaults 3 d / 35 d for months, 25 h rolling) */
  retain?: Partial<Record<'month' | 'rolling', { afterCallbackMs?: number; maxAgeMs?: number }>>;
}

/**
 * 接诉即办 KPIs on the stream runtime (DESIGN.md decision 9): a router (group `<g>.hotline`)
 * repartitions `hotline.ticket` events by ticket id through `cityops.hotline.by-ticket.v1`; two
 * keyed stages fold each ticket and write counter increments per (period, area, field): months
 * (`<g>.hotline.month`) and the rolling 24 h (`<g>.hotline.rolling`).
 */
export class HotlineKpiStages {
  readonly router: StreamRunner;
  readonly month: StreamRunner;
  readonly rolling: StreamRunner;
  private readonly o: HotlineKpiOptions;

  constructor(o: HotlineKpiOptions) {
    this.o = o;
    const groups = hotlineGroups(o.group);
    const ctx = kpiContextOf(o.pack);
    const byTicketTopic = o.byTicketTopic ?? BY_TICKET_TOPIC;
    const common = {
      bus: o.bus,
      ...(o.log ? { log: o.log } : {}),
      ...(o.now ? { now: o.now } : {}),
      ...(o.outboxIntervalMs !== undefined ? { outboxIntervalMs: o.outboxIntervalMs } : {}),
    };
    this.router = new StreamRunner({
      ...common,
      store: o.store,
      stage: hotlineRouterStage({ group: groups.router, topic: o.topic ?? Topics.events, byTicketTopic }),
      metrics: stageMetrics('hotline-router'),
    });
    this.month = new StreamRunner({
      ...common,
      store: o.stores.month,
      stage: hotlineTicketStage({ group: groups.month, kind: 'month', ctx, byTicketTopic, ...retainOf(o, 'month') }),
      metrics: stageMetrics('hotline-month'),
    });
    this.rolling = new StreamRunner({
      ...common,
      store: o.stores.rolling,
      stage: hotlineTicketStage({
        group: groups.rolling,
        kind: 'rolling',
        ctx,
        byTicketTopic,
        ...retainOf(o, 'rolling'),
      }),
      metrics: stageMetrics('hotline-rolling'),
    });
  }

  get stats(): { router: StreamStats; month: StreamStats; rolling: StreamStats } {
    return { router: this.router.stats, month: this.month.stats, rolling: this.rolling.stats };
  }

  async start(): Promise<void> {
    const topic = this.o.byTicketTopic ?? BY_TICKET_TOPIC;
    await this.o.bus.ensureTopics([{ topic, partitions: this.o.byTicketPartitions ?? BY_TICKET_PARTITIONS }]);
    await this.month.start();
    await this.rolling.start();
    await this.router.start();
  }

  async stop(): Promise<void> {
    await this.router.stop();
    await this.month.stop();
    await this.rolling.stop();
  }

  /** publishes what the router's outbox holds now (tests) */
  flushOutbox(): Promise<void> {
    return this.router.flushOutbox();
  }
}
