import { Registry, collectDefaultMetrics } from 'prom-client';

/** The one registry of this process: every cityops metric is registered here, nothing in prom-client's global one. */
export const registry = new Registry();

collectDefaultMetrics({ register: registry, prefix: 'cityops_' });

/** The Prometheus text exposition of every metric in the registry. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

/** `text/plain; version=0.0.4; charset=utf-8` */
export const METRICS_CONTENT_TYPE: string = registry.contentType;
