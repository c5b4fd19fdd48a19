import { Counter, Gauge, Histogram } from 'prom-client';
import { countDeadLetters } from './dead-letters.js';
import { BoundedLabel, countable, partitionLabel } from './labels.js';
import { registry } from './registry.js';

export interface StageMetrics {
  /** cityops_stage_records_consumed_total{stage} */
  consumed(n: number): void;
  /** cityops_stage_records_applied_total{stage} */
  applied(n: number): void;
  /** cityops_stage_batch_apply_seconds{stage}: one observation per applied batch */
  observeApply(seconds: number): void;
  /** cityops_stage_consumer_lag{stage,topic,partition}: records behind the end of the partition */
  lag(topic: string, partition: number, n: number): void;
  /** cityops_stage_duplicates_total{stage}: records/batches already applied, skipped */
  duplicates(n: number): void;
  /** cityops_stage_conflicts_total{stage} */
  conflicts(n: number): void;
  /** cityops_stage_late_drops_total{stage} */
  lateDrops(n: number): void;
  /** cityops_dead_letters_total{origin=stage,code} */
  deadLetters(code: string, n: number): void;
  /** cityops_stage_outbox_backlog{stage}: outgoing records not yet published */
  outboxBacklog(n: number): void;
  /** cityops_stage_lost_records_total{stage}: records the log lost before the stage read them */
  lost(n: number): void;
  /** cityops_stage_rebuilding{stage}: 1 while the stage rebuilds its state, else 0 */
  rebuilding(on: boolean): void;
}

const stageLabel = ['stage'] as const;

const consumedTotal = counter('cityops_stage_records_consumed_total', 'Records a stage read from its input topics');
const appliedTotal = counter('cityops_stage_records_applied_total', 'Records a stage applied to the store');
const duplicatesTotal = counter('cityops_stage_duplicates_total', 'Records or batches already applied, skipped');
const conflictsTotal = counter('cityops_stage_conflicts_total', 'Store applies refused because offsets conflicted');
const lateDropsTotal = counter('cityops_stage_late_drops_total', 'Records dropped as later than the allowed lateness');
const lostTotal = counter('cityops_stage_lost_records_total', 'Records the log lost before the stage read them');

// 1 ms .. 5 s: a batch apply is one store round trip on loopback at best, a stalled store at worst
const applySeconds = new Histogram({
  name: 'cityops_stage_batch_apply_seconds',
  help: 'Time to apply one batch (changes, outbox and offsets in one step)',
  labelNames: stageLabel,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

const consumerLag = new Gauge({
  name: 'cityops_stage_consumer_lag',
  help: 'Records between the stage position and the end of each input partition',
  labelNames: ['stage', 'topic', 'partition'] as const,
  registers: [registry],
});

const outboxBacklogGauge = new Gauge({
  name: 'cityops_stage_outbox_backlog',
  help: 'Outgoing records applied but not yet published',
  labelNames: stageLabel,
  registers: [registry],
});

const rebuildingGauge = new Gauge({
  name: 'cityops_stage_rebuilding',
  help: '1 while the stage rebuilds its state from the log, else 0',
  labelNames: stageLabel,
  registers: [registry],
});

function counter(name: string, help: string): Counter<'stage'> {
  return new Counter({ name, help, labelNames: stageLabel, registers: [registry] });
}

const stages = new BoundedLabel();
const topics = new BoundedLabel();
const byStage = new Map<string, StageMetrics>();

/**
 * The metrics of one stage, labelled `stage`. Idempotent: the same name gives the same object.
 * A name outside the allowed pattern, or beyond the first MAX_LABEL_VALUES, is counted as
 * stage "other". The stage's series start at zero, so a stage that has done nothing yet is
 * visible as 0 rather than absent.
 */
export function stageMetrics(stage: string): StageMetrics {
  const label = stages.value(stage);
  const existing = byStage.get(label);
  if (existing) return existing;
  const l = { stage: label };
  for (const c of [consumedTotal, appliedTotal, duplicatesTotal, conflictsTotal, lateDropsTotal, lostTotal])
    c.inc(l, 0);
  applySeconds.zero(l);
  outboxBacklogGauge.set(l, 0);
  rebuildingGauge.set(l, 0);
  const inc = (c: Counter<'stage'>) => (n: number) => {
    if (countable(n)) c.inc(l, n);
  };
  const metrics: StageMetrics = {
    consumed: inc(consumedTotal),
    applied: inc(appliedTotal),
    duplicates: inc(duplicatesTotal),
    conflicts: inc(conflictsTotal),
    lateDrops: inc(lateDropsTotal),
    lost: inc(lostTotal),
    observeApply(seconds) {
      if (countable(seconds)) applySeconds.observe(l, seconds);
    },
    lag(topic, partition, n) {
      if (countable(n))
        consumerLag.set({ stage: label, topic: topics.value(topic), partition: partitionLabel(partition) }, n);
    },
    deadLetters(code, n) {
      if (countable(n)) countDeadLetters(label, code, n);
    },
    outboxBacklog(n) {
      if (countable(n)) outboxBacklogGauge.set(l, n);
    },
    rebuilding(on) {
      rebuildingGauge.set(l, on ? 1 : 0);
    },
  };
  byStage.set(label, metrics);
  return metrics;
}
