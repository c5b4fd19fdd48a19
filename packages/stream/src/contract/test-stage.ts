import type { BusRecord, ConsumedRecord } from '@cityops/bus';
import type { FoldOutput, Stage } from '../stage.js';

/** A record of the test stream: key `k`, event time `t`, and whether the stage must emit it (`emit`). */
export interface TestEvent {
  k: string;
  t: number;
  emit?: boolean;
}

export const LATENESS_MS = 1_000;

export function testRecord(e: TestEvent): BusRecord {
  return { key: e.k, value: JSON.stringify(e) };
}

/**
 * The stage the runtime contract runs: counts events per key into counter `k:<key>` of bucket 0,
 * keeps the count per key as keyed state, drops events older than watermark − LATENESS_MS (a
 * decision that depends on the partition's history), and emits `emit` events to `outTopic`.
 * Anything else on the topic is dropped as `E_EVT_SCHEMA`.
 */
export function testStage(group: string, topic: string, outTopic: string, horizonMs = 3_600_000): Stage {
  return {
    group,
    topics: [topic],
    rebuildHorizonMs: horizonMs,
    keyedState: true,
    fold: ({ records, watermark, state }) => foldEvents(records, watermark, state, outTopic),
  };
}

function foldEvents(
  records: readonly ConsumedRecord[],
  watermark: number | null,
  state: ReadonlyMap<string, string>,
  outTopic: string,
): FoldOutput {
  const counts = new Map<string, number>();
  const dropped: Record<string, number> = {};
  const outgoing: FoldOutput['outgoing'] = [];
  let wm = watermark;
  for (const r of records) {
    let e: TestEvent;
    try {
      e = JSON.parse(r.value) as TestEvent;
    } catch {
      dropped.E_EVT_SCHEMA = (dropped.E_EVT_SCHEMA ?? 0) + 1;
      continue;
    }
    if (wm !== null && e.t < wm - LATENESS_MS) {
      dropped.E_EVT_TOO_LATE = (dropped.E_EVT_TOO_LATE ?? 0) + 1;
      continue;
    }
    if (wm === null || e.t > wm) wm = e.t;
    counts.set(e.k, (counts.get(e.k) ?? Number(state.get(e.k) ?? 0)) + 1);
    if (e.emit) outgoing.push({ topic: outTopic, key: e.k, value: `${e.k}@${r.offset}` });
  }
  const increments = [...counts].map(([k, n]) => ({ bucket: 0, field: `k:${k}`, by: n - Number(state.get(k) ?? 0) }));
  return {
    watermark: wm,
    increments,
    dropped,
    set: [...counts].map(([k, n]) => [k, String(n)]),
    outgoing,
  };
}

/** What the stage must end with after folding every partition's records once, in order. */
export interface Expected {
  counters: Record<string, number>;
  dropped: Record<string, number>;
  /** per partition: key -> count */
  state: Map<number, Record<string, number>>;
  /** values of the emitted records */
  emitted: string[];
}

/** The reference: the same decisions made by a plain loop over the log, partition by partition. */
export function expectedOf(log: ConsumedRecord[]): Expected {
  const counters: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  const state = new Map<number, Record<string, number>>();
  const emitted: string[] = [];
  const wms = new Map<number, number>();
  const sorted = [...log].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const r of sorted) {
    const e = JSON.parse(r.value) as TestEvent;
    const wm = wms.get(r.partition);
    if (wm !== undefined && e.t < wm - LATENESS_MS) {
      dropped.E_EVT_TOO_LATE = (dropped.E_EVT_TOO_LATE ?? 0) + 1;
      continue;
    }
    if (wm === undefined || e.t > wm) wms.set(r.partition, e.t);
    counters[`k:${e.k}`] = (counters[`k:${e.k}`] ?? 0) + 1;
    const s = state.get(r.partition) ?? {};
    s[e.k] = (s[e.k] ?? 0) + 1;
    state.set(r.partition, s);
    if (e.emit) emitted.push(`${e.k}@${r.offset}`);
  }
  return { counters, dropped, state, emitted };
}
