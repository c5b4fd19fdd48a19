import { ErrorCodes, HotlineStage, MAX_ID_CHARS, deadLetter, parseCityEvent, Topics } from '@cityops/schema';
import type { FoldInput, FoldOutput, OutgoingRecord, Stage } from '@cityops/stream';
import type { CounterIncrement } from '@cityops/store';
import {
  applyStage,
  contributionsOf,
  diffContributions,
  latestSeen,
  stageEventOf,
  type KpiContext,
  type PeriodKind,
  type StageEvent,
  type TicketState,
} from '@cityops/hotline-kpis';

/**
 * The internal topic that repartitions 12345 stage events by ticket id: `city.events.v1` is keyed
 * by grid cell, and one ticket's stages may come from different places (and so partitions).
 */
export const BY_TICKET_TOPIC = 'cityops.hotline.by-ticket.v1';
export const BY_TICKET_PARTITIONS = 4;
/** a record on the internal topic that is not a stage event the router wrote */
export const HOTLINE_RECORD_ERROR = 'E_HOTLINE_RECORD';

const HOUR = 3600_000;
/** how far ahead of its append time an event time may move a ticket stage's watermark */
const MAX_FUTURE_MS = 5 * 60_000;
const DAY = 24 * HOUR;

const STAGE_NAMES = new Set<string>(HotlineStage.options);
const CATEGORY = /^[PE]\.\d{2}(\.\d{2})?$/;
const id = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_CHARS;

/**
 * The stage event on the wire of the internal topic, checked field by field (bounded; a zod parse
 * per record cost more than the fold itself). Throws naming the first bad field.
 */
function routedOf(value: string): StageEvent {
  const v = JSON.parse(value) as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
  for (const k of Object.keys(v))
    if (!['ticketId', 'stage', 'at', 'satisfied', 'category', 'districtId', 'streetId'].includes(k))
      throw new Error(`unknown field ${k.slice(0, 40)}`);
  if (!id(v.ticketId)) throw new Error('ticketId');
  if (typeof v.stage !== 'string' || !STAGE_NAMES.has(v.stage)) throw new Error('stage');
  if (typeof v.at !== 'number' || !Number.isSafeInteger(v.at) || v.at < 0) throw new Error('at');
  if (v.satisfied !== undefined && typeof v.satisfied !== 'boolean') throw new Error('satisfied');
  if (typeof v.category !== 'string' || !CATEGORY.test(v.category)) throw new Error('category');
  if (v.districtId !== undefined && !id(v.districtId)) throw new Error('districtId');
  if (v.streetId !== undefined && !id(v.streetId)) throw new Error('streetId');
  return v as unknown as StageEvent;
}

export interface RouterStageOptions {
  group: string;
  topic?: string;
  byTicketTopic?: string;
  /** how far back a router without stored progress re-routes (default 1 day: it covers a lost outbox) */
  rebuildHorizonMs?: number;
}

/**
 * Stage 1: reads `city.events.v1` and sends each `hotline.ticket` event, as a `StageEvent`, to the
 * internal topic keyed by ticket id. No state; what is not an event is counted by its code (the
 * vital-signs stage dead-letters it). A record re-published by the outbox after a crash, or
 * re-routed by a rebuild, reaches the ticket stages twice; they count a stage once.
 */
export function hotlineRouterStage(o: RouterStageOptions): Stage {
  const byTicket = o.byTicketTopic ?? BY_TICKET_TOPIC;
  return {
    group: o.group,
    topics: [o.topic ?? Topics.events],
    rebuildHorizonMs: o.rebuildHorizonMs ?? DAY,
    fold: ({ records, watermark }: FoldInput): FoldOutput => {
      const dropped: Record<string, number> = {};
      const outgoing: OutgoingRecord[] = [];
      let wm = watermark;
      for (const r of records) {
        let parsed: ReturnType<typeof parseCityEvent>;
        try {
          parsed = parseCityEvent(JSON.parse(r.value));
        } catch {
          dropped[ErrorCodes.EVT_NOT_JSON] = (dropped[ErrorCodes.EVT_NOT_JSON] ?? 0) + 1;
          continue;
        }
        if (!parsed.ok) {
          dropped[parsed.code] = (dropped[parsed.code] ?? 0) + 1;
          continue;
        }
        const e = stageEventOf(parsed.event);
        if (!e) continue;
        outgoing.push({ topic: byTicket, key: e.ticketId, value: JSON.stringify(e) });
        if (wm === null || e.at > wm) wm = e.at;
      }
      return { watermark: wm, dropped, outgoing };
    },
  };
}

export interface TicketStageOptions {
  group: string;
  /** months (one bucket per calendar month) or the rolling 24 h (10-minute buckets) */
  kind: PeriodKind;
  ctx: KpiContext;
  byTicketTopic?: string;
  /**
   * How long a ticket's state is kept after its callback (default 3 days for months, 25 h for the
   * rolling 24 h), and after its latest stage when it has no callback (default 35 days / 25 h). A
   * stage event for a ticket the stage holds no state for, at or older than the watermark minus
   * `retainAfterCallbackMs`, is dropped as E_EVT_TOO_LATE: so a ticket whose state expired is never
   * counted a second time when one of its old events comes again.
   */
  retainAfterCallbackMs?: number;
  maxAgeMs?: number;
  /** how far back a rebuild reads the internal topic (default 62 days for months, 25 h rolling) */
  rebuildHorizonMs?: number;
}

/** state key of a ticket */
const keyOf = (ticketId: string) => `t:${ticketId}`;

/** a binary min-heap of [expireAt, ticket key] */
class ExpiryHeap {
  private readonly a: Array<[number, string]> = [];
  get size(): number {
    return this.a.length;
  }
  peek(): [number, string] | undefined {
    return this.a[0];
  }
  push(at: number, key: string): void {
    const a = this.a;
    a.push([at, key]);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]![0] <= a[i]![0]) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): [number, string] | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]![0] < a[m]![0]) m = l;
        if (r < a.length && a[r]![0] < a[m]![0]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** The expiry index of one partition's state map: derived from it, so the fold stays pure. */
interface ExpiryCache {
  heap: ExpiryHeap;
  /** keys the last fold changed: looked at again, in case that fold's output was not applied */
  touched: Set<string>;
}

/**
 * Stage 2 (one per period kind): reads the internal topic, folds each stage event into its
 * ticket's state (`applyStage`: deduplicated, order-independent) and writes the difference of the
 * ticket's counters before and after (`contributionsOf`) as counter increments, with the state
 * change, in the runtime's one atomic apply. Ticket states expire (see `TicketStageOptions`); the
 * expiry index is a heap cached per state map and checked against the state, so a redelivered
 * batch decides exactly the same.
 */
export function hotlineTicketStage(o: TicketStageOptions): Stage {
  const rolling = o.kind === 'rolling';
  const retain = o.retainAfterCallbackMs ?? (rolling ? 25 * HOUR : 3 * DAY);
  const maxAge = Math.max(retain, o.maxAgeMs ?? (rolling ? 25 * HOUR : 35 * DAY));
  const expireAt = (s: TicketState) => latestSeen(s) + (s.t.callback !== undefined ? retain : maxAge);
  const caches = new WeakMap<ReadonlyMap<string, string>, ExpiryCache>();
  return {
    group: o.group,
    topics: [o.byTicketTopic ?? BY_TICKET_TOPIC],
    rebuildHorizonMs: o.rebuildHorizonMs ?? (rolling ? 25 * HOUR : 62 * DAY),
    keyedState: true,
    fold: ({ records, watermark, state }: FoldInput): FoldOutput => {
      let cache = caches.get(state);
      if (!cache) {
        const heap = new ExpiryHeap();
        for (const [k, v] of state) if (k.startsWith('t:')) heap.push(expireAt(JSON.parse(v) as TicketState), k);
        cache = { heap, touched: new Set() };
        caches.set(state, cache);
      } else {
        for (const k of cache.touched) {
          const v = state.get(k);
          if (v !== undefined) cache.heap.push(expireAt(JSON.parse(v) as TicketState), k);
        }
      }
      const touched = new Set<string>();
      cache.touched = touched;
      const changes = new Map<string, TicketState | null>();
      const get = (k: string): TicketState | undefined => {
        const c = changes.get(k);
        if (c === null) return undefined;
        if (c) return c;
        const v = state.get(k);
        return v === undefined ? undefined : (JSON.parse(v) as TicketState);
      };
      const dropped: Record<string, number> = {};
      const count = (code: string) => (dropped[code] = (dropped[code] ?? 0) + 1);
      const increments: CounterIncrement[] = [];
      const outgoing: OutgoingRecord[] = [];
      let wm = watermark;
      for (const r of records) {
        let e: StageEvent;
        try {
          e = routedOf(r.value);
        } catch (err) {
          count(HOTLINE_RECORD_ERROR);
          outgoing.push({
            topic: Topics.dlq,
            key: 'aggregator.hotline',
            value: JSON.stringify(
              deadLetter(
                HOTLINE_RECORD_ERROR as never,
                `${r.topic}/${r.partition}@${r.offset}: not a hotline stage event (${(err as Error).message})`,
                'kafka',
                r.value,
              ),
            ),
          });
          continue;
        }
        const k = keyOf(e.ticketId);
        const prev = get(k);
        if (!prev && wm !== null && e.at <= wm - retain) {
          count(ErrorCodes.EVT_TOO_LATE);
          continue;
        }
        const next = applyStage(prev, e);
        // time moves by the event, but never further than its append time allows: one event from
        // the far future (a wrong clock) must not expire every ticket of the partition
        const t = Math.min(e.at, r.timestamp + MAX_FUTURE_MS);
        if (wm === null || t > wm) wm = t;
        if (next === prev) {
          count(ErrorCodes.EVT_DUPLICATE);
          continue;
        }
        for (const i of diffContributions(contributionsOf(prev, o.kind, o.ctx), contributionsOf(next, o.kind, o.ctx)))
          increments.push(i);
        changes.set(k, next);
        touched.add(k);
        cache.heap.push(expireAt(next), k);
      }
      // expiry: every ticket whose time is up at this watermark (checked against its state)
      if (wm !== null) {
        for (let top = cache.heap.peek(); top && top[0] <= wm; top = cache.heap.peek()) {
          cache.heap.pop();
          const k = top[1];
          const s = get(k);
          if (!s) continue;
          const at = expireAt(s);
          if (at <= wm) {
            changes.set(k, null);
            touched.add(k);
          } else cache.heap.push(at, k);
        }
      }
      const set: Array<[string, string]> = [];
      const del: string[] = [];
      for (const [k, v] of changes) {
        if (v === null) {
          if (state.has(k)) del.push(k);
        } else set.push([k, JSON.stringify(v)]);
      }
      return { watermark: wm, increments, dropped, set, del, outgoing };
    },
  };
}
