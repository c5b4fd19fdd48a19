import { EmbeddedBus, type RecordBatch } from '@cityops/bus';
import { CityIndex, categoryIndex, loadCityPack } from '@cityops/city';
import { Topics } from '@cityops/schema';
import { MemoryStore } from '@cityops/store';
import { eventually } from '@cityops/testkit';
import { Ingestor, type IngestItem, type IngestorOptions } from '../ingestor.js';

/** What the ingestor tests share: the default pack, a fixed clock, one valid event, a rig. */
export const pack = loadCityPack();
export const index = new CityIndex(pack);
export const categories = categoryIndex(pack.taxonomy);
export const NOW = Date.UTC(2026, 10, 22, 1, 0, 0);

/** a valid sensor reading in Huangpu, 1 s before NOW */
export function event(id: string, extra: Record<string, unknown> = {}) {
  return {
    v: 1,
    id,
    source: 'test-src',
    type: 'sensor.reading',
    eventTime: new Date(NOW - 1000).toISOString(),
    location: { lon: 121.4737, lat: 31.2304 },
    category: { kind: 'part', code: 'P.01.01' },
    payload: { sensorId: 's1', kind: 'water_level', value: 0.4, unit: 'm' },
    ...extra,
  };
}

export const items = (...values: unknown[]): IngestItem[] => values.map((value) => ({ ok: true, value }));

/** The records of `topic`: at least `atLeast`, by default every record it holds now. */
export async function readAll(bus: EmbeddedBus, topic: string, atLeast?: number): Promise<RecordBatch['records']> {
  const want = atLeast ?? Object.values(await bus.endOffsets(topic)).reduce((a, b) => a + b, 0);
  const out: RecordBatch['records'] = [];
  const sub = await bus.replay({ topic, eachBatch: async (b) => void out.push(...b.records) });
  await eventually(() => (out.length >= want ? true : undefined), 5000, `${want} records on ${topic}`);
  await sub.stop();
  return out;
}

export interface Rig {
  bus: EmbeddedBus;
  store: MemoryStore;
  ingestor: Ingestor;
  close(): Promise<void>;
}

/** An ingestor on a fresh embedded bus and memory store, on the fixed clock. */
export async function openRig(options: Partial<IngestorOptions> = {}): Promise<Rig> {
  const bus = new EmbeddedBus();
  const store = new MemoryStore();
  await bus.ensureTopics([
    { topic: Topics.events, partitions: 4 },
    { topic: Topics.dlq, partitions: 1 },
  ]);
  const ingestor = new Ingestor({
    bus,
    store,
    locator: index,
    categoryExists: (c) => categories.has(c),
    dedupeTtlMs: 60_000,
    maxClockSkewMs: 120_000,
    now: () => NOW,
    ...options,
  });
  return {
    bus,
    store,
    ingestor,
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
}
