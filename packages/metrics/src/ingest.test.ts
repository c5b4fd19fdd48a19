import { describe, expect, it } from 'vitest';
import { MAX_LABEL_VALUES, ingestMetrics, metricsText } from '@cityops/metrics';
import { labelValues, sample } from './test/sample.js';

describe('ingestMetrics', () => {
  it('counts accepted, duplicates and retry per boundary', async () => {
    ingestMetrics.accepted('http', 40);
    ingestMetrics.accepted('http', 2);
    ingestMetrics.accepted('simulator', 7);
    ingestMetrics.duplicates('http', 3);
    ingestMetrics.retry('http', 1);
    const text = await metricsText();
    expect(sample(text, 'cityops_ingest_accepted_total', { boundary: 'http' })).toBe(42);
    expect(sample(text, 'cityops_ingest_accepted_total', { boundary: 'simulator' })).toBe(7);
    expect(sample(text, 'cityops_ingest_duplicates_total', { boundary: 'http' })).toBe(3);
    expect(sample(text, 'cityops_ingest_retry_total', { boundary: 'http' })).toBe(1);
  });

  it('counts a rejection both as rejected{boundary,code} and as a dead letter{origin=boundary,code}', async () => {
    ingestMetrics.rejected('mqtt', 'E_EVT_OUTSIDE_CITY', 2);
    ingestMetrics.rejected('mqtt', 'E_EVT_SCHEMA', 1);
    const text = await metricsText();
    expect(sample(text, 'cityops_ingest_rejected_total', { boundary: 'mqtt', code: 'E_EVT_OUTSIDE_CITY' })).toBe(2);
    expect(sample(text, 'cityops_ingest_rejected_total', { boundary: 'mqtt', code: 'E_EVT_SCHEMA' })).toBe(1);
    expect(sample(text, 'cityops_dead_letters_total', { origin: 'mqtt', code: 'E_EVT_OUTSIDE_CITY' })).toBe(2);
    expect(sample(text, 'cityops_dead_letters_total', { origin: 'mqtt', code: 'E_EVT_SCHEMA' })).toBe(1);
  });

  it('collapses unknown codes and malformed or excess boundary names to "other"', async () => {
    ingestMetrics.rejected('webhook', 'E_NOT_A_CODE', 1);
    ingestMetrics.rejected('<script>', 'E_EVT_SCHEMA', 1);
    for (let i = 0; i < MAX_LABEL_VALUES + 5; i++) ingestMetrics.accepted(`src-${i}`, 1);
    const text = await metricsText();
    expect(sample(text, 'cityops_ingest_rejected_total', { boundary: 'webhook', code: 'other' })).toBe(1);
    expect(sample(text, 'cityops_ingest_rejected_total', { boundary: 'other', code: 'E_EVT_SCHEMA' })).toBe(1);
    expect(sample(text, 'cityops_dead_letters_total', { origin: 'other', code: 'E_EVT_SCHEMA' })).toBe(1);
    const boundaries = labelValues(text, 'cityops_ingest_accepted_total', 'boundary');
    expect(boundaries.filter((b) => b !== 'other').length).toBeLessThanOrEqual(MAX_LABEL_VALUES);
    expect(sample(text, 'cityops_ingest_accepted_total', { boundary: 'other' })).toBeGreaterThan(0);
  });
});
