import { partitionForKey, type Bus } from '@cityops/bus';

/** The header every event published by the ingest path carries: `source/id`, what dedupe claims. */
export const EVENT_ID_HEADER = 'cityops-event';

export interface LapsedEvent {
  /** `source/id` */
  claimId: string;
  /** the partition key it is published under (its grid cell) */
  key: string | null;
  /** when the lapsed claim was taken: its publish, if any, was appended after this (epoch ms) */
  since: number;
}

/**
 * Which of these events are on `topic` already. They are events whose dedupe claim lapsed under a
 * publisher that died or stalled mid-publish (decision 005): that publisher may have written them
 * after it took its claim. Reads only the partitions their keys map to, from the first offset
 * appended at `since − skewMs` to the end, matching the `cityops-event` header. Costs one bounded
 * read per take-over, which only happens after a publisher died.
 */
export async function findPublished(
  bus: Bus,
  topic: string,
  events: LapsedEvent[],
  skewMs = 5_000,
): Promise<Set<string>> {
  const found = new Set<string>();
  if (events.length === 0) return found;
  const ends = await bus.endOffsets(topic);
  const count = Object.keys(ends).length;
  const since = Math.min(...events.map((e) => e.since)) - skewMs;
  const starts = await bus.offsetsForTime(topic, since);
  const keyless = events.some((e) => e.key === null);
  const wanted = new Set(events.map((e) => (e.key === null ? -1 : partitionForKey(e.key, count))));
  const fromOffsets: Record<number, number> = {};
  for (const p of Object.keys(ends).map(Number))
    fromOffsets[p] = keyless || wanted.has(p) ? (starts[p] ?? ends[p]!) : ends[p]!;
  const ids = new Set(events.map((e) => e.claimId));
  const sub = await bus.replay({
    topic,
    fromOffsets,
    eachBatch: async (batch) => {
      for (const r of batch.records) {
        const id = r.headers?.[EVENT_ID_HEADER];
        if (id !== undefined && ids.has(id)) found.add(id);
      }
    },
  });
  try {
    await sub.done;
  } finally {
    await sub.stop();
  }
  return found;
}
