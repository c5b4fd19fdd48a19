import { describe, expect, it } from 'vitest';
import { MAX_LABEL_VALUES, metricsText, stageMetrics } from '@cityops/metrics';
import { labelValues, sample } from './test/sample.js';

describe('stageMetrics', () => {
  it('counts every stage metric under its name with the stage label', async () => {
    const m = stageMetrics('agg-counts');
    m.consumed(10);
    m.consumed(5);
    m.applied(12);
    m.duplicates(2);
    m.conflicts(1);
    m.lateDrops(3);
    m.lost(4);
    m.outboxBacklog(7);
    m.rebuilding(true);
    m.deadLetters('E_EVT_SCHEMA', 2);
    m.lag('city.events.v1', 3, 42);
    const text = await metricsText();
    const stage = { stage: 'agg-counts' };
    expect(sample(text, 'cityops_stage_records_consumed_total', stage)).toBe(15);
    expect(sample(text, 'cityops_stage_records_applied_total', stage)).toBe(12);
    expect(sample(text, 'cityops_stage_duplicates_total', stage)).toBe(2);
    expect(sample(text, 'cityops_stage_conflicts_total', stage)).toBe(1);
    expect(sample(text, 'cityops_stage_late_drops_total', stage)).toBe(3);
    expect(sample(text, 'cityops_stage_lost_records_total', stage)).toBe(4);
    expect(sample(text, 'cityops_stage_outbox_backlog', stage)).toBe(7);
    expect(sample(text, 'cityops_stage_rebuilding', stage)).toBe(1);
    expect(sample(text, 'cityops_dead_letters_total', { origin: 'agg-counts', code: 'E_EVT_SCHEMA' })).toBe(2);
    expect(
      sample(text, 'cityops_stage_consumer_lag', { stage: 'agg-counts', topic: 'city.events.v1', partition: '3' }),
    ).toBe(42);
  });

  it('gauges take the latest value: lag per partition, backlog, rebuilding back to 0', async () => {
    const m = stageMetrics('agg-gauges');
    m.lag('city.events.v1', 0, 100);
    m.lag('city.events.v1', 0, 10);
    m.lag('city.events.v1', 1, 5);
    m.outboxBacklog(9);
    m.outboxBacklog(0);
    m.rebuilding(true);
    m.rebuilding(false);
    const text = await metricsText();
    const lag = (partition: string) =>
      sample(text, 'cityops_stage_consumer_lag', { stage: 'agg-gauges', topic: 'city.events.v1', partition });
    expect([lag('0'), lag('1')]).toEqual([10, 5]);
    expect(sample(text, 'cityops_stage_outbox_backlog', { stage: 'agg-gauges' })).toBe(0);
    expect(sample(text, 'cityops_stage_rebuilding', { stage: 'agg-gauges' })).toBe(0);
  });

  it('observes batch apply time in a histogram with buckets from 1 ms to 5 s', async () => {
    const m = stageMetrics('agg-hist');
    m.observeApply(0.0005);
    m.observeApply(0.02);
    m.observeApply(3);
    const text = await metricsText();
    const bucket = (le: string) => sample(text, 'cityops_stage_batch_apply_seconds_bucket', { stage: 'agg-hist', le });
    expect(bucket('0.001')).toBe(1);
    expect(bucket('0.025')).toBe(2);
    expect(bucket('2.5')).toBe(2);
    expect(bucket('5')).toBe(3);
    expect(bucket('+Inf')).toBe(3);
    expect(sample(text, 'cityops_stage_batch_apply_seconds_count', { stage: 'agg-hist' })).toBe(3);
    expect(sample(text, 'cityops_stage_batch_apply_seconds_sum', { stage: 'agg-hist' })).toBeCloseTo(3.0205, 6);
  });

  it('is idempotent per stage name, and a new stage shows its counters at 0 before any call', async () => {
    expect(stageMetrics('agg-same')).toBe(stageMetrics('agg-same'));
    const text = await metricsText();
    expect(sample(text, 'cityops_stage_records_consumed_total', { stage: 'agg-same' })).toBe(0);
    expect(sample(text, 'cityops_stage_rebuilding', { stage: 'agg-same' })).toBe(0);
    expect(sample(text, 'cityops_stage_batch_apply_seconds_count', { stage: 'agg-same' })).toBe(0);
  });

  it('ignores negative and non-finite counts instead of throwing into the caller', async () => {
    const m = stageMetrics('agg-bad-n');
    m.consumed(3);
    expect(() => m.consumed(-1)).not.toThrow();
    m.consumed(Number.NaN);
    m.consumed(Number.POSITIVE_INFINITY);
    m.observeApply(-0.1);
    const text = await metricsText();
    expect(sample(text, 'cityops_stage_records_consumed_total', { stage: 'agg-bad-n' })).toBe(3);
    expect(sample(text, 'cityops_stage_batch_apply_seconds_count', { stage: 'agg-bad-n' })).toBe(0);
  });

  it('collapses unknown codes, malformed names and out-of-range partitions to "other"', async () => {
    const m = stageMetrics('agg-labels');
    m.deadLetters('E_MADE_UP', 1);
    m.deadLetters('api-key=secret', 1);
    m.lag('city.events.v1', 99_999, 1);
    m.lag('city.events.v1', 1.5, 1);
    m.lag('no spaces allowed', 0, 1);
    stageMetrics('bad stage name').consumed(1);
    stageMetrics('../../etc').consumed(1);
    stageMetrics('x'.repeat(65)).consumed(1);
    const text = await metricsText();
    expect(sample(text, 'cityops_dead_letters_total', { origin: 'agg-labels', code: 'other' })).toBe(2);
    expect(text).not.toContain('E_MADE_UP');
    const lag = (topic: string, partition: string) =>
      sample(text, 'cityops_stage_consumer_lag', { stage: 'agg-labels', topic, partition });
    expect(lag('city.events.v1', 'other')).toBe(1);
    expect(lag('other', '0')).toBe(1);
    expect(text).not.toContain('partition="99999"');
    expect(text).not.toContain('no spaces');
    expect(sample(text, 'cityops_stage_records_consumed_total', { stage: 'other' })).toBe(3);
    expect(text).not.toContain('secret');
  });

  it(`admits at most ${MAX_LABEL_VALUES} distinct stage names; later new ones count as "other"`, async () => {
    const before = labelValues(await metricsText(), 'cityops_stage_records_consumed_total', 'stage');
    const fresh = Array.from({ length: MAX_LABEL_VALUES + 10 }, (_, i) => `flood-${i}`);
    for (const name of fresh) stageMetrics(name).consumed(1);
    const after = labelValues(await metricsText(), 'cityops_stage_records_consumed_total', 'stage');
    const named = after.filter((s) => s !== 'other');
    expect(named.length).toBe(MAX_LABEL_VALUES);
    expect(after).toContain('other');
    // the names admitted before the flood keep their own series
    for (const s of before) expect(after).toContain(s);
    expect(stageMetrics(fresh.at(-1)!)).toBe(stageMetrics('not allowed either'));
  });
});
