import { partitionForKey } from '@cityops/bus';
import { ErrorCodes, Topics, deadLetter, parseCityEvent, type CityEvent } from '@cityops/schema';
import type { FoldInput, FoldOutput, OutgoingRecord, Stage } from '@cityops/stream';
import type { RuleEngine } from './engine.js';
import { Timers, newOutput, wakeAtOf, type EngineOutput } from './engine.js';
import type { RuleSignal } from './rules/rule.js';
import { DECODED_CACHE_KEYS, DecodedCache, FoldState, RuleThrew } from './state.js';

/** The internal topic that repartitions events and signals by rule key (as Kafka Streams does). */
export const BY_KEY_TOPIC = 'cityops.detector.by-key.v1';
export const BY_KEY_PARTITIONS = 8;
/** E_DETECTOR_RECORD: a record on the internal topic that is not one the detector wrote. */
export const RECORD_ERROR = 'E_DETECTOR_RECORD';
/** The `i` of a watermark mark: above any index of a routed record of the same offset. */
const MARK_INDEX = 1_000_000_000;

/** What the router writes to the internal topic: an event for one rule key, a signal, or a watermark mark. */
type Routed =
  | { k: 'e'; src: string; o: number; i: number; r: string; key: string; e: CityEvent }
  | { k: 's'; src: string; o: number; i: number; sig: RuleSignal }
  | { k: 'm'; src: string; o: number; i: number; wm: number };

/**
 * Routed records bound for the internal topic, gathered per partition and published as few
 * records (`{"k":"b","items":[...]}`, each at most `maxChars` of JSON) under that partition's mark
 * key: a fold's thousands of small records cost the outbox, the relay and the producer a handful.
 * Items keep their order within a partition, which is all the rule stage relies on.
 */
export class PartitionBatcher {
  private readonly items: string[][];
  private readonly chars: number[];
  constructor(
    private readonly topic: string,
    private readonly keys: readonly string[],
    private readonly out: OutgoingRecord[],
    private readonly maxChars = BATCH_MAX_CHARS,
  ) {
    this.items = keys.map(() => []);
    this.chars = keys.map(() => 0);
  }
  /** `json` (one `Routed` value) for the partition of `key` */
  add(key: string, json: string): void {
    this.addTo(partitionForKey(key, this.keys.length), json);
  }
  addTo(p: number, json: string): void {
    if (this.chars[p]! > 0 && this.chars[p]! + json.length > this.maxChars) this.flushPartition(p);
    this.items[p]!.push(json);
    this.chars[p]! += json.length + 1;
  }
  flush(): void {
    for (let p = 0; p < this.keys.length; p++) this.flushPartition(p);
  }
  private flushPartition(p: number): void {
    const items = this.items[p]!;
    if (items.length === 0) return;
    this.out.push({ topic: this.topic, key: this.keys[p]!, value: `{"k":"b","items":[${items.join(',')}]}` });
    this.items[p] = [];
    this.chars[p] = 0;
  }
}

/** A batch record of the internal topic holds at most this many characters of JSON (Kafka's default limit is 1 MB). */
export const BATCH_MAX_CHARS = 128_000;

/** `JSON.stringify` of a `Routed` event record, with the event's JSON made once (`ej`). */
export function routedEvent(src: string, offset: number, i: number, rule: string, key: string, ej: string): string {
  return `{"k":"e","src":${JSON.stringify(src)},"o":${offset},"i":${i},"r":${JSON.stringify(rule)},"key":${JSON.stringify(key)},"e":${ej}}`;
}

/** One key per partition of the internal topic, so a mark reaches every partition (same partitioner as the bus). */
export function markKeys(partitions: number): string[] {
  const keys: string[] = new Array<string>(partitions);
  let found = 0;
  for (let n = 0; found < partitions && n < 100_000; n++) {
    const k = `~mark-${n}`;
    const p = partitionForKey(k, partitions);
    if (keys[p] === undefined) {
      keys[p] = k;
      found++;
    }
  }
  if (found < partitions) throw new Error(`no mark key found for every one of ${partitions} partitions`);
  return keys;
}

export interface RouterOptions {
  group: string;
  engine: RuleEngine;
  allowedLatenessMs: number;
  topic?: string;
  byKeyPartitions?: number;
  /** the internal topic (default BY_KEY_TOPIC; tests give their own) */
  byKeyTopic?: string;
  /** event-time step between two watermark marks (default 1 s) */
  markStepMs?: number;
  /** an event time further ahead of its append time than this counts as the append time for the watermark */
  maxFutureMs?: number;
  rebuildHorizonMs?: number;
}

/**
 * Stage 1, group `detector`: reads `city.events.v1` (keyed by grid cell), validates each event,
 * and repartitions it to the internal topic under every (rule, key) it is folded under. After a
 * batch whose event time moved on, it sends its partition's watermark to every internal partition,
 * so the rule stage's time advances even where a key's own input is silent.
 */
export function routerStage(o: RouterOptions): Stage {
  const parts = o.byKeyPartitions ?? BY_KEY_PARTITIONS;
  const marks = markKeys(parts);
  const step = o.markStepMs ?? 1_000;
  const maxFuture = o.maxFutureMs ?? 5 * 60_000;
  const byKey = o.byKeyTopic ?? BY_KEY_TOPIC;
  return {
    group: o.group,
    topics: [o.topic ?? Topics.events],
    // a router rebuilt from nothing re-routes the last half hour (the rule stage drops what it had)
    rebuildHorizonMs: o.rebuildHorizonMs ?? 30 * 60_000,
    keyedState: true,
    fold: ({ records, watermark, state, partition }: FoldInput): FoldOutput => {
      const dropped: Record<string, number> = {};
      const count = (code: string, n = 1) => (dropped[code] = (dropped[code] ?? 0) + n);
      const outgoing: OutgoingRecord[] = [];
      const batch = new PartitionBatcher(byKey, marks, outgoing);
      const src = `e${partition}`;
      let wm = watermark;
      for (const r of records) {
        let parsed: ReturnType<typeof parseCityEvent>;
        try {
          parsed = parseCityEvent(JSON.parse(r.value));
        } catch {
          count(ErrorCodes.EVT_NOT_JSON);
          continue;
        }
        // the aggregator dead-letters what is not an event on this topic; here it is counted
        if (!parsed.ok) {
          count(parsed.code);
          continue;
        }
        const e = parsed.event;
        const t = Math.min(Date.parse(e.eventTime), r.timestamp + maxFuture);
        if (wm !== null && t < wm - o.allowedLatenessMs) {
          count(ErrorCodes.EVT_TOO_LATE);
          continue;
        }
        const out = newOutput();
        const routes = o.engine.routes(e, out);
        // the event is encoded once for all its routes (the same JSON as one `Routed` record each)
        const ej = routes.length > 0 ? JSON.stringify(e) : '';
        routes.forEach(([rule, key], i) => batch.add(`${rule}|${key}`, routedEvent(src, r.offset, i, rule, key, ej)));
        for (const [code, n] of Object.entries(out.errors)) count(code, n);
        if (wm === null || t > wm) wm = t;
      }
      const last = Number(state.get('~mark') ?? Number.NEGATIVE_INFINITY);
      const set: Array<[string, string]> = [];
      if (wm !== null && wm >= last + step) {
        const offset = records.at(-1)!.offset;
        marks.forEach((_, p) => {
          const v: Routed = { k: 'm', src, o: offset, i: MARK_INDEX + p, wm };
          batch.addTo(p, JSON.stringify(v));
        });
        set.push(['~mark', String(wm)]);
      }
      batch.flush();
      return { watermark: wm, dropped, outgoing, set };
    },
  };
}

export interface RuleStageOptions {
  group: string;
  engine: RuleEngine;
  /**
   * An upstream partition whose last watermark mark was appended this long (wall time) before the
   * newest mark of any partition no longer holds time back (default 30 s; Kafka Streams' idea of
   * max.task.idle.ms). Append times are in the log, so a replay decides the same.
   */
  idleMs?: number;
  byKeyTopic?: string;
  /** partitions of the internal topic (default 8) and the event-time step between two marks (1 s) */
  byKeyPartitions?: number;
  markStepMs?: number;
  /** partitions of the router's input topic: time waits for a mark of each (or `idleMs`) */
  upstreamPartitions: number;
  /** where alert events go (default city.alerts.v1) */
  alertsTopic?: string;
  /** how far back a rebuild of lost state reads the internal topic (default 2 h) */
  rebuildHorizonMs?: number;
  /**
   * decoded states kept per partition between folds (default 5,000 keys; 0 = none, every key
   * is decoded from its string once per fold)
   */
  decodedCacheKeys?: number;
  /** every record through JSON (the state of each key decoded and encoded per record): the reference */
  strictState?: boolean;
}

/**
 * The low watermark of the upstream partitions: the minimum of their marks, leaving out those whose
 * last mark was appended more than `idle` ms before the newest one (a silent partition does not
 * stop time), or null when none has sent a mark or an expected one was not heard from yet.
 */
function low(marks: Record<string, Mark>, idle: number, expected: readonly string[]): number | null {
  const all = Object.values(marks);
  if (all.length === 0) return null;
  const newest = Math.max(...all.map(([, at]) => at));
  // a partition not heard from yet holds time back until `idle` after the first mark of any
  const since = Math.min(...all.map(([, , first]) => first));
  if (expected.some((src) => !marks[src]) && newest - since < idle) return null;
  return Math.min(...all.filter(([, at]) => at >= newest - idle).map(([m]) => m));
}

/** an upstream partition's mark: [event-time mark, append time of its last mark, append time of its first] */
type Mark = [number, number, number];

/**
 * What a partition's state map has derived (a cache: made anew whenever the runner's map is new):
 * the timer index and the decoded states of recently folded keys.
 */
interface TimerCache {
  timers: Timers;
  /** keys the last fold wrote or fired: looked at again in case that fold's apply did not happen */
  touched: Set<string>;
  decoded: DecodedCache;
}

/** The framework's own keys of a rule partition, decoded once per fold and written once at its end. */
class Meta {
  private readonly values = new Map<string, unknown>();
  private readonly dirty = new Set<string>();
  constructor(private readonly state: ReadonlyMap<string, string>) {}
  get<T>(key: string, parse: (raw: string | undefined) => T): T {
    if (!this.values.has(key)) this.values.set(key, parse(this.state.get(key)));
    return this.values.get(key) as T;
  }
  set(key: string, value: unknown): void {
    this.values.set(key, value);
    this.dirty.add(key);
  }
  commit(set: Array<[string, string]>): void {
    for (const k of this.dirty) {
      const v = this.values.get(k);
      set.push([k, typeof v === 'number' ? String(v) : JSON.stringify(v)]);
    }
  }
}

const json =
  <T>(fallback: () => T) =>
  (raw: string | undefined): T =>
    raw === undefined ? fallback() : (JSON.parse(raw) as T);
const num = (raw: string | undefined) => Number(raw ?? Number.NEGATIVE_INFINITY);

/**
 * Stage 2, group `detector.rules`: reads the internal topic, folds each record into the keyed
 * state of its rule, fires the timers of keys whose wakeAt the partition's watermark passed, and
 * writes alert events to `city.alerts.v1` (key = alertId) and signals back to the internal topic,
 * all through the outbox. The watermark is the minimum of the upstream partitions' marks, leaving
 * out partitions whose marks stopped `idleMs` (append time) before the others (one with no traffic
 * does not stop time). Records are deduplicated by (source, offset, index), so an outbox that republished after
 * a crash folds nothing twice.
 */
export function ruleStage(o: RuleStageOptions): Stage {
  const idle = o.idleMs ?? 30_000;
  const step = o.markStepMs ?? 1_000;
  const marks = markKeys(o.byKeyPartitions ?? BY_KEY_PARTITIONS);
  const routers = Array.from({ length: o.upstreamPartitions }, (_, p) => `e${p}`);
  const selves = marks.map((_, p) => `r${p}`);
  const caches = new WeakMap<ReadonlyMap<string, string>, TimerCache>();
  const byKey = o.byKeyTopic ?? BY_KEY_TOPIC;
  const alerts = o.alertsTopic ?? Topics.alerts;
  return {
    group: o.group,
    topics: [byKey],
    rebuildHorizonMs: o.rebuildHorizonMs ?? 2 * 3600_000,
    keyedState: true,
    fold: (input: FoldInput): FoldOutput => {
      if (o.strictState) return run(input, true);
      try {
        return run(input, false);
      } catch (err) {
        // a rule threw on decoded state it may have half changed: the batch again, each key
        // through JSON per record, where a throwing rule keeps its previous state (and is counted)
        if (err instanceof RuleThrew) return run(input, true);
        throw err;
      }
    },
  };

  function run({ records, watermark, state, partition }: FoldInput, strict: boolean): FoldOutput {
    let cache = caches.get(state);
    if (!cache) {
      const timers = new Timers();
      for (const [k, v] of state) {
        const at = k.startsWith('~') ? undefined : wakeAtOf(v);
        if (at !== undefined) timers.of(o.engine.levelOf(k)).push(k, at);
      }
      cache = { timers, touched: new Set(), decoded: new DecodedCache(o.decodedCacheKeys ?? DECODED_CACHE_KEYS) };
      caches.set(state, cache);
    } else {
      for (const k of cache.touched) {
        const at = wakeAtOf(state.get(k));
        if (at !== undefined) cache.timers.of(o.engine.levelOf(k)).push(k, at);
      }
    }
    // kept on the cache as it fills: a fold that throws half-way leaves its keys to be looked at again
    const touched = new Set<string>();
    cache.touched = touched;
    const store = new FoldState(state, strict ? null : cache.decoded, touched);
    const meta = new Meta(state);
    const timers = cache.timers;
    const dropped: Record<string, number> = {};
    const count = (code: string, n = 1) => (dropped[code] = (dropped[code] ?? 0) + n);
    const outgoing: OutgoingRecord[] = [];
    let wm = watermark;
    const self = `r${partition}`;

    const batch = new PartitionBatcher(byKey, marks, outgoing);
    const shaped = (v: Routed | null | undefined): v is Routed =>
      !!v && typeof v.src === 'string' && typeof v.o === 'number' && typeof v.i === 'number';

    for (const r of records) {
      let items: Routed[];
      let bad = false;
      try {
        const v = JSON.parse(r.value) as Routed | { k: 'b'; items: Routed[] };
        items = v && v.k === 'b' && Array.isArray(v.items) ? v.items : [v as Routed];
      } catch {
        items = [];
        bad = true;
      }
      // per input record: signals numbered in order (their dedupe id at the receiver is this
      // record's offset and that number), one mark at most, after them
      let signalIndex = 0;
      let mark: number | undefined;
      for (const v of items) {
        if (!shaped(v)) {
          bad = true;
          continue;
        }
        const hwKey = `~s:${v.src}`;
        const hw = meta.get(
          hwKey,
          json<{ o: number; i: number } | undefined>(() => undefined),
        );
        if (hw && (v.o < hw.o || (v.o === hw.o && v.i <= hw.i))) {
          count(ErrorCodes.EVT_DUPLICATE);
          continue;
        }
        const out: EngineOutput = newOutput();
        const now = wm ?? Number.NEGATIVE_INFINITY;
        if (v.k === 'e') {
          if (o.engine.has(v.r)) o.engine.onEvent(v.r, v.key, v.e, store, timers, out, now);
        } else if (v.k === 's') {
          o.engine.onSignal(v.sig, store, timers, out, now);
        }
        meta.set(hwKey, { o: v.o, i: v.i });
        if (v.k === 'm' && Number.isFinite(v.wm)) {
          // marks by upstream partition, [event-time mark, append time of the mark]: the router's
          // partitions (e*) in `~wm`, the rule stage's own partitions (r*) in `~wm2`
          const which = v.src.startsWith('e') ? '~wm' : '~wm2';
          const ms = meta.get(
            which,
            json<Record<string, Mark>>(() => ({})),
          );
          ms[v.src] = [Math.max(ms[v.src]?.[0] ?? v.wm, v.wm), r.timestamp, ms[v.src]?.[2] ?? r.timestamp];
          meta.set(which, ms);
          const combined = low(ms, idle, routers);
          if (which === '~wm' && combined !== null && (wm === null || combined > wm)) {
            // level 1: the events' time; this partition then tells every partition how far it got
            wm = combined;
            o.engine.advance(wm, store, timers, out, 1);
            const sent = meta.get('~rmark', num);
            if (wm >= sent + step) {
              meta.set('~rmark', wm);
              mark = wm;
            }
          }
          // level 2: also past what every rule partition has signalled up to
          const w2 = meta.get('~w2', num);
          const low2 = low(
            meta.get(
              '~wm2',
              json<Record<string, Mark>>(() => ({})),
            ),
            idle,
            selves,
          );
          const next2 = wm === null || low2 === null ? null : Math.min(wm, low2);
          if (next2 !== null && next2 > w2) {
            meta.set('~w2', next2);
            o.engine.advance(next2, store, timers, out, 2);
          }
        }
        for (const a of out.alerts) outgoing.push({ topic: alerts, key: a.alertId, value: JSON.stringify(a) });
        for (const sig of out.signals) {
          const sv: Routed = { k: 's', src: self, o: r.offset, i: signalIndex++, sig };
          batch.add(`${sig.to}|${sig.key}`, JSON.stringify(sv));
        }
        for (const [code, n] of Object.entries(out.errors)) count(code, n);
      }
      // after this record's signals: a partition that receives the mark has received them
      if (mark !== undefined) {
        const wmark = mark;
        marks.forEach((_, p) => {
          const mv: Routed = { k: 'm', src: self, o: r.offset, i: MARK_INDEX + p, wm: wmark };
          batch.addTo(p, JSON.stringify(mv));
        });
      }
      if (bad) {
        count(RECORD_ERROR);
        outgoing.push({
          topic: Topics.dlq,
          key: 'detector',
          value: JSON.stringify(
            deadLetter(
              RECORD_ERROR as never,
              `${r.topic}/${r.partition}@${r.offset}: not a detector record`,
              'kafka',
              r.value,
            ),
          ),
        });
      }
    }
    batch.flush();
    const { set, del } = store.commit();
    meta.commit(set);
    return { watermark: wm, dropped, outgoing, set, del };
  }
}
