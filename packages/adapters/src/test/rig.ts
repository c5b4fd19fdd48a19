import { EmbeddedBus, type RecordBatch } from '@cityops/bus';
import { CityIndex, categoryIndex, loadCityPack } from '@cityops/city';
import { Ingestor, type IngestorOptions } from '@cityops/ingest';
import { Topics } from '@cityops/schema';
import { MemoryStore } from '@cityops/store';
import { eventually } from '@cityops/testkit';
import { Registry } from 'prom-client';
import { AdapterHost, type AdapterHostOptions } from '../host.js';

export const pack = loadCityPack();
export const index = new CityIndex(pack);
export const categories = categoryIndex(pack.taxonomy);
/** 2026-11-22 09:00 in Shanghai */
export const NOW = Date.UTC(2026, 10, 22, 1, 0, 0);

export interface HostRig {
  bus: EmbeddedBus;
  store: MemoryStore;
  ingestor: Ingestor;
  host: AdapterHost;
  registry: Registry;
  close(): Promise<void>;
}

/** A host on a fresh embedded bus, memory store and ingestor, on a fixed clock, with its own registry. */
export async function openHost(
  o: Partial<AdapterHostOptions> = {},
  ingest: Partial<IngestorOptions> = {},
): Promise<HostRig> {
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
    ...ingest,
  });
  const registry = new Registry();
  const host = new AdapterHost({ ingestor, bus, store, registry, now: () => NOW, ...o });
  return {
    bus,
    store,
    ingestor,
    host,
    registry,
    close: async () => {
      await host.stop();
      await bus.close();
      await store.close();
    },
  };
}

/** The records of `topic`: at least `atLeast`, by default every record it holds now. */
export async function readAll(bus: EmbeddedBus, topic: string, atLeast?: number): Promise<RecordBatch['records']> {
  const want = atLeast ?? Object.values(await bus.endOffsets(topic)).reduce((a, b) => a + b, 0);
  const out: RecordBatch['records'] = [];
  const sub = await bus.replay({ topic, eachBatch: async (b) => void out.push(...b.records) });
  await eventually(() => (out.length >= want ? true : undefined), 5000, `${want} records on ${topic}`);
  await sub.stop();
  return out;
}
