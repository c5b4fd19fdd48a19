import type { Bus } from '@cityops/bus';
import { defaultBackoff, type IngestItem, type Ingestor } from '@cityops/ingest';
import { ingestMetrics, registry as defaultRegistry } from '@cityops/metrics';
import {
  CityopsError,
  ErrorCodes,
  Topics,
  capReason,
  deadLetter,
  isCityopsError,
  type ErrorCode,
} from '@cityops/schema';
import type { Store } from '@cityops/store';
import type { Router } from 'express';
import type { Registry } from 'prom-client';
import { adapterRouter, type HttpRouterOptions } from './http.js';
import { createMapContext, type CategoryMappingData } from './context.js';
import { storeCursor } from './cursor.js';
import { rawTextOf } from './csv.js';
import { adapterMetrics, type AdapterMetrics } from './metrics.js';
import { RateWindow } from './rate.js';
import type {
  Adapter,
  AdapterIO,
  BadItem,
  ConnectionState,
  MapContext,
  Mapped,
  Rejection,
  SourceHealth,
  SubmitOutcome,
} from './types.js';

export interface AdapterHostOptions {
  ingestor: Ingestor;
  bus: Bus;
  store: Store;
  /** the pack's IANA time zone (default Asia/Shanghai) */
  timeZone?: string;
  /** the pack's category mappings by adapter name (`loadCategoryMappings` in @cityops/city) */
  mappings?: Record<string, CategoryMappingData>;
  /** device registry: device id → position */
  devices?: ReadonlyMap<string, { lon: number; lat: number }>;
  /** Prometheus registry (default: the process registry of @cityops/metrics) */
  registry?: Registry;
  now?: () => number;
  /** events waiting in the host (all adapters) before HTTP gets 503 and subscriptions wait (default 20,000) */
  maxQueuedEvents?: number;
  /** most events in one ingest call (default 2,000) */
  maxBatchEvents?: number;
  /** a batch waits at most this long for more events (default 5 ms) */
  maxBatchWaitMs?: number;
  /** retries of unavailable ports / in-flight ids for subscriptions end after this (default 30 s) */
  retryDeadlineMs?: number;
  /** ... and for HTTP requests, which the sender can repeat (default 2 s) */
  httpRetryDeadlineMs?: number;
  backoffMs?: (attempt: number) => number;
  log?: AdapterIO['log'];
}

/** Thrown by `submit` in reject mode when the host is full: HTTP answers 503 with Retry-After. */
export class HostFullError extends CityopsError {
  constructor(queued: number, max: number) {
    super(ErrorCodes.ADP_HOST_FULL, `the adapter host holds ${queued} events (at most ${max}); send again shortly`);
    this.name = 'HostFullError';
  }
}

/** The adapter names, sources and health an app can list without holding the adapters. */
interface Slot {
  adapter: Adapter<unknown>;
  options: unknown;
  ctx: MapContext;
  health: SourceHealth;
  rate: RateWindow;
  stop?: () => Promise<void>;
  queue: Entry[];
  queuedEvents: number;
  timer?: NodeJS.Timeout;
  flushing: number;
}

interface Pending {
  entry: Entry;
  /** the input index this event came from */
  origin: number;
  item: IngestItem;
}

interface Entry {
  items: Pending[];
  outcome: SubmitOutcome;
  /** performance.now() after which its events are answered retry (a duration: not the event clock) */
  deadline: number;
  done: (err?: unknown) => void;
}

export type SubmitMode = 'wait' | 'reject';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_UNMAPPED_CODES = 100;

/**
 * Runs adapters: maps their inputs, batches the events towards ingest (count and time), holds
 * back when full, retries unavailable ports and in-flight ids with backoff, dead-letters every
 * rejection with its code and the input as received, and keeps health and metrics per adapter.
 * See SPEC.md for the rules it holds every adapter to.
 */
export class AdapterHost {
  private readonly slots = new Map<string, Slot>();
  private readonly o: AdapterHostOptions;
  private readonly now: () => number;
  private readonly metrics: AdapterMetrics;
  private readonly abort = new AbortController();
  private readonly spaceWaiters: Array<() => void> = [];
  private queued = 0;
  private started = false;

  constructor(options: AdapterHostOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.metrics = adapterMetrics(options.registry ?? defaultRegistry);
  }

  get maxQueued(): number {
    return this.o.maxQueuedEvents ?? 20_000;
  }

  /** Adds an adapter with its options (validated: a bad or unknown key throws E_CFG_INVALID naming it). */
  add<O>(adapter: Adapter<O>, options: unknown = {}): void {
    if (!NAME.test(adapter.name)) {
      throw new CityopsError(ErrorCodes.CFG_INVALID, `adapter name ${JSON.stringify(adapter.name)} is not kebab-case`);
    }
    if (this.slots.has(adapter.name)) {
      throw new CityopsError(ErrorCodes.CFG_INVALID, `adapter ${adapter.name} is added twice`);
    }
    const parsed = adapter.options.safeParse(options);
    if (!parsed.success) {
      const why = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new CityopsError(ErrorCodes.CFG_INVALID, `adapter ${adapter.name} options: ${why}`);
    }
    const health: SourceHealth = {
      name: adapter.name,
      source: adapter.source,
      eventsPerSecond: 0,
      lastEventAt: null,
      lastEventTime: null,
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      deadLettered: 0,
      retry: 0,
      unmapped: {},
      lastError: null,
      connection: adapter.start ? 'idle' : 'http',
      queued: 0,
    };
    const ctx = createMapContext({
      timeZone: this.o.timeZone,
      mapping: this.o.mappings?.[adapter.name],
      devices: this.o.devices,
      now: this.now,
      onUnmapped: (code) => {
        const key = capReason(code).slice(0, 128);
        if (key in health.unmapped || Object.keys(health.unmapped).length < MAX_UNMAPPED_CODES) {
          health.unmapped[key] = (health.unmapped[key] ?? 0) + 1;
        }
      },
    });
    this.slots.set(adapter.name, {
      adapter: adapter as Adapter<unknown>,
      options: parsed.data,
      ctx,
      health,
      rate: new RateWindow(60, this.now),
      queue: [],
      queuedEvents: 0,
      flushing: 0,
    });
    this.metrics.connected(adapter.name, adapter.start ? 0 : 1);
  }

  /** events waiting in the host, all adapters */
  queuedEvents(): number {
    return this.queued;
  }

  get httpRetryDeadlineMs(): number {
    return this.o.httpRetryDeadlineMs ?? 2_000;
  }

  /** Every adapter's HTTP receivers, to mount under `/api/v1/ingest` (see http.ts). */
  httpRouter(o: HttpRouterOptions = {}): Router {
    return adapterRouter(this, this.o.bus, o);
  }

  /** Counts a body that did not parse (dead-lettered whole by the router). */
  countParseFailure(adapterName: string, code: ErrorCode, reason: string): void {
    const slot = this.slots.get(adapterName);
    if (!slot) return;
    slot.health.rejected++;
    slot.health.deadLettered++;
    this.metrics.events(adapterName, 'rejected', 1);
    ingestMetrics.rejected(adapterName, code, 1);
    this.recordError(slot, code, reason);
  }

  adapters(): Array<{ adapter: Adapter<unknown>; options: unknown; ctx: MapContext }> {
    return [...this.slots.values()].map((s) => ({ adapter: s.adapter, options: s.options, ctx: s.ctx }));
  }

  /** Starts every adapter that has `start` (subscriptions, pollers). A failing start throws. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const slot of this.slots.values()) {
      if (!slot.adapter.start) continue;
      slot.health.connection = 'connecting';
      slot.stop = await slot.adapter.start(this.io(slot), slot.options, slot.ctx);
    }
  }

  /** Stops subscriptions, then waits for every queued event to be settled. */
  async stop(): Promise<void> {
    this.abort.abort();
    for (const slot of this.slots.values()) {
      const stop = slot.stop;
      slot.stop = undefined;
      if (stop) await stop().catch((err) => this.recordError(slot, ErrorCodes.ADP_MAP_FAILED, String(err)));
    }
    for (const slot of this.slots.values()) await this.drain(slot);
  }

  /**
   * Maps `inputs` with the adapter and ingests the events. `raw` is what was received, kept in
   * dead letters when an input is not text itself. Mode 'wait' (subscriptions) waits while the host
   * is full; 'reject' (HTTP) throws HostFullError instead.
   */
  async submit(
    adapterName: string,
    raw: Buffer | string,
    inputs: unknown[],
    o: { mode?: SubmitMode; bad?: BadItem[]; deadlineMs?: number } = {},
  ): Promise<SubmitOutcome> {
    const slot = this.slots.get(adapterName);
    if (!slot) throw new CityopsError(ErrorCodes.CFG_INVALID, `no adapter named ${adapterName} in this host`);
    const mode = o.mode ?? 'wait';
    if (this.queued >= this.maxQueued) {
      if (mode === 'reject') throw new HostFullError(this.queued, this.maxQueued);
      while (this.queued >= this.maxQueued && !this.abort.signal.aborted) {
        await new Promise<void>((r) => this.spaceWaiters.push(r));
      }
    }
    const outcome: SubmitOutcome = { accepted: 0, duplicates: 0, rejected: [], retry: [] };
    const dead: string[] = [];
    const boundary = slot.adapter.name;
    const reject = (index: number, code: ErrorCode, reason: string, rawItem: unknown, id?: string) => {
      outcome.rejected.push({ index, code, reason: capReason(reason), ...(id === undefined ? {} : { id }) });
      dead.push(JSON.stringify(deadLetter(code, reason, boundary, rawItem, new Date(this.now()))));
    };
    for (const b of o.bad ?? []) reject(b.index, b.code, b.reason, b.raw);

    const items: Pending[] = [];
    const entry: Entry = {
      items,
      outcome,
      deadline: performance.now() + (o.deadlineMs ?? this.o.retryDeadlineMs ?? 30_000),
      done: () => {},
    };
    const rawText = () => (typeof raw === 'string' ? raw : raw.toString('utf8'));
    inputs.forEach((input, index) => {
      const original = () =>
        rawTextOf(input) ??
        (typeof input === 'string'
          ? input
          : Buffer.isBuffer(input)
            ? input.toString('utf8')
            : inputs.length === 1
              ? rawText()
              : input);
      let mapped: Mapped[];
      try {
        mapped = slot.adapter.map(input, slot.ctx, slot.options);
        if (!Array.isArray(mapped)) throw new TypeError('map() did not return an array');
      } catch (err) {
        const why = `${slot.adapter.name}: map() threw: ${err instanceof Error ? err.message : String(err)}`;
        return reject(index, ErrorCodes.ADP_MAP_FAILED, why, original());
      }
      for (const m of mapped) {
        if (!m.ok) {
          reject(index, m.code, m.reason, original(), m.id);
          continue;
        }
        const event = { ...m.event, source: m.event.source ?? slot.adapter.source };
        items.push({ entry, origin: index, item: { ok: true, value: event } });
      }
    });

    if (dead.length) {
      await this.o.bus.publish(
        Topics.dlq,
        dead.map((value) => ({ key: boundary, value })),
      );
      slot.health.rejected += outcome.rejected.length;
      slot.health.deadLettered += outcome.rejected.length;
      this.metrics.events(boundary, 'rejected', outcome.rejected.length);
      const last = outcome.rejected[outcome.rejected.length - 1]!;
      this.recordError(slot, last.code, last.reason);
      // counted where every dead letter is counted (cityops_dead_letters_total{origin=adapter})
      for (const r of outcome.rejected) ingestMetrics.rejected(boundary, r.code, 1);
    }
    if (items.length === 0) return outcome;

    const settled = new Promise<void>((resolve, rejectPromise) => {
      entry.done = (err) => (err === undefined ? resolve() : rejectPromise(err));
    });
    slot.queue.push(entry);
    slot.queuedEvents += items.length;
    this.queued += items.length;
    this.gauge(slot);
    this.schedule(slot);
    await settled;
    return outcome;
  }

  /** Per adapter: rate, last event, counts, last error, connection state. */
  health(): SourceHealth[] {
    return [...this.slots.values()].map((s) => ({
      ...s.health,
      unmapped: { ...s.health.unmapped },
      eventsPerSecond: s.rate.perSecond(),
      queued: s.queuedEvents,
    }));
  }

  private io(slot: Slot): AdapterIO {
    const name = slot.adapter.name;
    const log = this.o.log ?? { info: () => {}, warn: () => {} };
    return {
      submit: (raw, inputs) => this.submit(name, raw, inputs, { mode: 'wait' }),
      setConnection: (state: ConnectionState, error?: string) => {
        slot.health.connection = state;
        this.metrics.connected(name, state === 'connected' ? 1 : 0);
        if (error !== undefined) this.recordError(slot, ErrorCodes.BUS_UNAVAILABLE, `${state}: ${error}`);
      },
      cursor: storeCursor(this.o.store, name),
      log: {
        info: (msg, o) => log.info(`${name}: ${msg}`, o),
        warn: (msg, o) => log.warn(`${name}: ${msg}`, o),
      },
      signal: this.abort.signal,
    };
  }

  private schedule(slot: Slot): void {
    const max = this.o.maxBatchEvents ?? 2_000;
    if (slot.queuedEvents >= max || this.abort.signal.aborted) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      void this.flush(slot);
      return;
    }
    slot.timer ??= setTimeout(() => {
      slot.timer = undefined;
      void this.flush(slot);
    }, this.o.maxBatchWaitMs ?? 5);
  }

  private async drain(slot: Slot): Promise<void> {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    while (slot.queue.length || slot.flushing) {
      if (slot.queue.length) await this.flush(slot);
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Takes up to maxBatchEvents queued events of one adapter into one ingest call, retried until settled. */
  private async flush(slot: Slot): Promise<void> {
    const max = this.o.maxBatchEvents ?? 2_000;
    const entries: Entry[] = [];
    let count = 0;
    while (slot.queue.length && (count === 0 || count + slot.queue[0]!.items.length <= max)) {
      const e = slot.queue.shift()!;
      entries.push(e);
      count += e.items.length;
    }
    if (!entries.length) return;
    slot.flushing++;
    const boundary = slot.adapter.name;
    let pending = entries.flatMap((e) => e.items);
    const failed = new Map<Entry, unknown>();
    const backoff = this.o.backoffMs ?? defaultBackoff;
    try {
      for (let attempt = 0; pending.length; attempt++) {
        let reason: string;
        let code: ErrorCode;
        try {
          const r = await this.o.ingestor.ingest(
            pending.map((p) => p.item),
            boundary,
          );
          const retryIdx = new Set(r.retry.map((x) => x.index));
          const rejectedIdx = new Set(r.rejected.map((x) => x.index));
          const acceptedIdx = new Set(r.acceptedIndexes);
          for (const x of r.rejected) {
            const p = pending[x.index]!;
            p.entry.outcome.rejected.push({ ...x, index: p.origin });
          }
          let eventTime = 0;
          pending.forEach((p, i) => {
            if (acceptedIdx.has(i)) {
              p.entry.outcome.accepted++;
              const t = Date.parse((p.item as { value: { eventTime?: string } }).value.eventTime ?? '');
              if (t > eventTime) eventTime = t;
            } else if (!retryIdx.has(i) && !rejectedIdx.has(i)) p.entry.outcome.duplicates++;
          });
          this.countSettled(slot, r.acceptedIndexes.length, r.duplicates, r.rejected, eventTime);
          const next = pending.filter((_, i) => retryIdx.has(i));
          if (!next.length) break;
          reason = r.retry[0]?.reason ?? `${next.length} answered ${ErrorCodes.EVT_IN_FLIGHT}`;
          code = ErrorCodes.EVT_IN_FLIGHT;
          pending = next;
        } catch (err) {
          if (!retryable(err)) {
            for (const p of pending) failed.set(p.entry, err);
            this.recordError(slot, isCityopsError(err) ? err.code : ErrorCodes.ADP_MAP_FAILED, String(err));
            break;
          }
          code = isCityopsError(err) ? err.code : ErrorCodes.BUS_UNAVAILABLE;
          reason = err instanceof Error ? err.message : String(err);
          this.recordError(slot, code, reason);
        }
        const pause = backoff(attempt);
        const giveUp = pending.filter((p) => performance.now() + pause > p.entry.deadline);
        for (const p of giveUp) {
          p.entry.outcome.retry.push({ index: p.origin, code, reason: capReason(reason) });
        }
        if (giveUp.length) {
          slot.health.retry += giveUp.length;
          this.metrics.events(boundary, 'retry', giveUp.length);
        }
        pending = pending.filter((p) => performance.now() + pause <= p.entry.deadline);
        if (!pending.length) break;
        await new Promise((r) => setTimeout(r, pause));
      }
    } finally {
      slot.flushing--;
      slot.queuedEvents -= count;
      this.queued -= count;
      this.gauge(slot);
      for (const e of entries) e.done(failed.get(e));
      while (this.queued < this.maxQueued && this.spaceWaiters.length) this.spaceWaiters.shift()!();
      if (slot.queue.length) this.schedule(slot);
    }
  }

  private countSettled(slot: Slot, accepted: number, duplicates: number, rejected: Rejection[], eventTime: number) {
    const h = slot.health;
    const name = slot.adapter.name;
    h.accepted += accepted;
    h.duplicates += duplicates;
    h.rejected += rejected.length;
    h.deadLettered += rejected.length; // the ingestor dead-letters what it rejects
    this.metrics.events(name, 'accepted', accepted);
    this.metrics.events(name, 'duplicate', duplicates);
    this.metrics.events(name, 'rejected', rejected.length);
    if (rejected.length)
      this.recordError(slot, rejected[rejected.length - 1]!.code, rejected[rejected.length - 1]!.reason);
    if (accepted > 0) {
      const now = this.now();
      slot.rate.add(accepted);
      h.lastEventAt = new Date(now).toISOString();
      this.metrics.lastEvent(name, now / 1000);
      if (eventTime > 0 && (h.lastEventTime === null || eventTime > Date.parse(h.lastEventTime))) {
        h.lastEventTime = new Date(eventTime).toISOString();
      }
    }
  }

  private recordError(slot: Slot, code: string, reason: string): void {
    slot.health.lastError = { code, reason: capReason(reason), at: new Date(this.now()).toISOString() };
  }

  private gauge(slot: Slot): void {
    this.metrics.queued(slot.adapter.name, slot.queuedEvents);
  }
}

/** Ports that failed for now: the same events are sent again after a pause. */
export function retryable(err: unknown): boolean {
  return isCityopsError(err, ErrorCodes.BUS_UNAVAILABLE) || isCityopsError(err, ErrorCodes.STORE_UNAVAILABLE);
}
