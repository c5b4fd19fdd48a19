import { Counter, Gauge, type Registry } from 'prom-client';

/** The host's Prometheus series, labelled by `adapter` (names are the host's own, kebab-case, bounded by code). */
export interface AdapterMetrics {
  /** cityops_adapter_events_total{adapter,outcome}: accepted | duplicate | rejected | retry */
  events(adapter: string, outcome: 'accepted' | 'duplicate' | 'rejected' | 'retry', n: number): void;
  /** cityops_adapter_queued_events{adapter} */
  queued(adapter: string, n: number): void;
  /** cityops_adapter_connected{adapter}: 1 connected (or an HTTP receiver), 0 otherwise */
  connected(adapter: string, up: 0 | 1): void;
  /** cityops_adapter_last_event_timestamp_seconds{adapter} */
  lastEvent(adapter: string, seconds: number): void;
}

const made = new WeakMap<Registry, AdapterMetrics>();

/** The adapter metrics in `registry`, created once per registry (so several hosts can share one). */
export function adapterMetrics(registry: Registry): AdapterMetrics {
  const known = made.get(registry);
  if (known) return known;
  const registers = [registry];
  const events = new Counter({
    name: 'cityops_adapter_events_total',
    help: 'Events by adapter and outcome (accepted, duplicate, rejected and dead-lettered, retry: not settled)',
    labelNames: ['adapter', 'outcome'] as const,
    registers,
  });
  const queued = new Gauge({
    name: 'cityops_adapter_queued_events',
    help: 'Events waiting in the adapter host for ingest',
    labelNames: ['adapter'] as const,
    registers,
  });
  const connected = new Gauge({
    name: 'cityops_adapter_connected',
    help: '1 when the adapter is connected to its source (always 1 for HTTP receivers)',
    labelNames: ['adapter'] as const,
    registers,
  });
  const lastEvent = new Gauge({
    name: 'cityops_adapter_last_event_timestamp_seconds',
    help: 'Wall-clock time of the last accepted event, by adapter',
    labelNames: ['adapter'] as const,
    registers,
  });
  const m: AdapterMetrics = {
    events: (adapter, outcome, n) => {
      if (n > 0) events.inc({ adapter, outcome }, n);
    },
    queued: (adapter, n) => queued.set({ adapter }, n),
    connected: (adapter, up) => connected.set({ adapter }, up),
    lastEvent: (adapter, s) => lastEvent.set({ adapter }, s),
  };
  made.set(registry, m);
  return m;
}
