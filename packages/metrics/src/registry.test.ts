import { describe, expect, it } from 'vitest';
import { METRICS_CONTENT_TYPE, metricsText, registry, trackScreens } from '@cityops/metrics';
import { sample } from './test/sample.js';

describe('registry', () => {
  it('collects the default process metrics with the cityops_ prefix', async () => {
    const text = await metricsText();
    expect(sample(text, 'cityops_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'cityops_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toMatch(/^cityops_nodejs_heap_size_used_bytes \d/m);
  });

  it('is one registry: metricsText() is registry.metrics() and its content type is the 0.0.4 text format', async () => {
    expect(METRICS_CONTENT_TYPE).toBe(registry.contentType);
    expect(METRICS_CONTENT_TYPE).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('registers cityops_screens_connected only once a gateway tracks its screens', async () => {
    expect(await metricsText()).not.toContain('cityops_screens_connected');
    const untrack = trackScreens(() => 0);
    expect(registry.getSingleMetric('cityops_screens_connected')).toBeDefined();
    expect(sample(await metricsText(), 'cityops_screens_connected')).toBe(0);
    untrack();
  });

  it('sums the screens of every tracked gateway and forgets a gateway once untracked', async () => {
    let a = 3;
    const untrackA = trackScreens(() => a);
    const untrackB = trackScreens(() => 2);
    expect(sample(await metricsText(), 'cityops_screens_connected')).toBe(5);
    a = 1;
    expect(sample(await metricsText(), 'cityops_screens_connected')).toBe(3);
    untrackA();
    expect(sample(await metricsText(), 'cityops_screens_connected')).toBe(2);
    untrackB();
    expect(sample(await metricsText(), 'cityops_screens_connected')).toBe(0);
  });
});
