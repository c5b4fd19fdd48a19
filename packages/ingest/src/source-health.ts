import { capReason, type ErrorCode } from '@cityops/schema';
import type { IngestItem, IngestResult, Ingestor } from './ingestor.js';

/**
 * One source's health as `GET /api/v1/sources` lists it: the adapter host's own figures
 * (structurally `SourceHealth` of @cityops/adapters) or the canonical door's, plus whether it has
 * gone silent. A row is what a data team reads; the wall shows a reduced copy.
 */
export interface SourceRow {
  name: string;
  source: string;
  eventsPerSecond: number;
  lastEventAt: string | null;
  lastEventTime: string | null;
  accepted: number;
  duplicates: number;
  rejected: number;
  deadLettered: number;
  retry: number;
  unmapped: Record<string, number>;
  lastError: { code: string; reason: string; at: string } | null;
  connection: string;
  queued: number;
}

export interface SourceRowWithSilence extends SourceRow {
  /** rejected / (accepted + duplicates + rejected), in percent, one decimal; null before any input */
  rejectedPct: number | null;
  /** the usual gap between accepted events (EWMA of what was seen), or null until known */
  usualIntervalMs: number | null;
  /** nothing accepted for longer than this makes the source silent */
  silentAfterMs: number;
  /** it sent before and has been quiet for more than silentAfterMs (its row is stale, not zero) */
  silent: boolean;
}

const MAX_DOOR_SOURCES = 200;
const RATE_WINDOW_S = 60;
const OTHER = 'other';

/**
 * Counts what the canonical door (`POST /api/v1/events`) and the in-process simulator hand to the
 * ingestor, per envelope source (at most 200 sources by name, the rest as `other`): accepted,
 * duplicates, rejected (each dead-lettered by the ingestor), retry, last error, rate over a
 * minute. Adapters are not counted here: the adapter host counts its own.
 */
export class DoorTally {
  private readonly rows = new Map<string, SourceRow & { window: Array<[number, number]> }>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Wraps `ingestor.ingest` of this instance so that calls at the named boundaries (e.g. `http`,
   * `simulator`) are counted. Returns a function that undoes the wrap.
   */
  observe(ingestor: Ingestor, boundaries: readonly string[]): () => void {
    const wanted = new Set(boundaries);
    const original = ingestor.ingest;
    const bound = original.bind(ingestor);
    ingestor.ingest = async (items: IngestItem[], boundary: string): Promise<IngestResult> => {
      if (!wanted.has(boundary)) return bound(items, boundary);
      try {
        const result = await bound(items, boundary);
        this.record(items, result);
        return result;
      } catch (err) {
        const code = (err as { code?: ErrorCode }).code ?? 'E_INTERNAL';
        for (const source of new Set(items.map(sourceOf)))
          this.fail(source, code, String((err as Error).message ?? err));
        throw err;
      }
    };
    return () => {
      ingestor.ingest = original;
    };
  }

  /** Counts one ingest call: each item under its envelope source. */
  record(items: readonly IngestItem[], result: IngestResult): void {
    const rejected = new Map(result.rejected.map((r) => [r.index, r]));
    const retry = new Set(result.retry.map((r) => r.index));
    const accepted = new Set(result.acceptedIndexes);
    const now = this.now();
    items.forEach((item, i) => {
      const row = this.row(sourceOf(item));
      const rej = rejected.get(i);
      if (rej) {
        row.rejected++;
        row.deadLettered++;
        row.lastError = { code: rej.code, reason: capReason(rej.reason), at: new Date(now).toISOString() };
      } else if (retry.has(i)) row.retry++;
      else if (accepted.has(i)) {
        row.accepted++;
        this.tick(row, now);
        row.lastEventAt = new Date(now).toISOString();
        const t = item.ok ? Date.parse(String((item.value as { eventTime?: unknown }).eventTime)) : NaN;
        if (Number.isFinite(t) && (row.lastEventTime === null || t > Date.parse(row.lastEventTime)))
          row.lastEventTime = new Date(t).toISOString();
      } else row.duplicates++;
    });
  }

  /** A body the door could not read at all (not JSON): dead-lettered whole, counted under `unknown`. */
  recordUnreadable(code: ErrorCode, reason: string): void {
    const row = this.row('unknown');
    row.rejected++;
    row.deadLettered++;
    row.lastError = { code, reason: capReason(reason), at: new Date(this.now()).toISOString() };
  }

  rowsNow(): SourceRow[] {
    const now = this.now();
    return [...this.rows.values()].map(({ window, ...row }) => {
      prune(window, Math.floor(now / 1000));
      const sum = window.reduce((a, [, n]) => a + n, 0);
      return { ...row, eventsPerSecond: sum / RATE_WINDOW_S };
    });
  }

  private fail(source: string, code: string, reason: string): void {
    const row = this.row(source);
    row.lastError = { code, reason: capReason(reason), at: new Date(this.now()).toISOString() };
  }

  private row(source: string) {
    const key = this.rows.has(source) || this.rows.size < MAX_DOOR_SOURCES ? source : OTHER;
    let row = this.rows.get(key);
    if (!row) {
      row = {
        name: `events/${key}`,
        source: key,
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
        connection: 'http',
        queued: 0,
        window: [],
      };
      this.rows.set(key, row);
    }
    return row;
  }

  private tick(row: { window: Array<[number, number]> }, now: number): void {
    const sec = Math.floor(now / 1000);
    const last = row.window[row.window.length - 1];
    if (last && last[0] === sec) last[1]++;
    else row.window.push([sec, 1]);
    prune(row.window, sec);
  }
}

/** drops the seconds that are out of the rate window */
function prune(window: Array<[number, number]>, sec: number): void {
  while (window.length && window[0]![0] <= sec - RATE_WINDOW_S) window.shift();
}

function sourceOf(item: IngestItem): string {
  if (!item.ok || typeof item.value !== 'object' || item.value === null) return 'unknown';
  const s = (item.value as { source?: unknown }).source;
  return typeof s === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(s) ? s : 'unknown';
}

export interface SilenceOptions {
  /** a source is silent after this many of its usual intervals without an accepted event (default 5) */
  factor?: number;
  /** ... but never sooner than this (default 10 s) */
  minSilentMs?: number;
  /** before its usual interval is known (default 60 s) */
  defaultSilentMs?: number;
  now?: () => number;
}

/**
 * Learns each source's usual interval between accepted events from the rows it is shown (an
 * EWMA of the gap per event between two looks where the count grew) and says which sources went
 * silent: nothing accepted for more than `factor` × that interval (at least `minSilentMs`).
 * Look often (e.g. every second) for a good estimate; `sample` can run on a timer.
 */
export class SilenceWatch {
  private readonly seen = new Map<string, { accepted: number; at: number; intervalMs: number | null }>();
  private readonly factor: number;
  private readonly minSilentMs: number;
  private readonly defaultSilentMs: number;
  private readonly now: () => number;

  constructor(o: SilenceOptions = {}) {
    this.factor = o.factor ?? 5;
    this.minSilentMs = o.minSilentMs ?? 10_000;
    this.defaultSilentMs = o.defaultSilentMs ?? 60_000;
    this.now = o.now ?? Date.now;
  }

  /** Updates the estimates from `rows` and returns them with rejected %, interval and silence. */
  sample(rows: readonly SourceRow[]): SourceRowWithSilence[] {
    const now = this.now();
    return rows.map((row) => {
      let s = this.seen.get(row.name);
      if (!s) {
        s = { accepted: row.accepted, at: now, intervalMs: null };
        this.seen.set(row.name, s);
      } else if (row.accepted > s.accepted) {
        const gap = (now - s.at) / (row.accepted - s.accepted);
        s.intervalMs = s.intervalMs === null ? gap : 0.7 * s.intervalMs + 0.3 * gap;
        s.accepted = row.accepted;
        s.at = now;
      } else if (row.accepted < s.accepted) {
        // counts restarted (the process restarted): learn again
        s.accepted = row.accepted;
        s.at = now;
      }
      const silentAfterMs =
        s.intervalMs === null
          ? this.defaultSilentMs
          : Math.max(this.minSilentMs, Math.round(this.factor * s.intervalMs));
      const last = row.lastEventAt === null ? NaN : Date.parse(row.lastEventAt);
      const total = row.accepted + row.duplicates + row.rejected;
      return {
        ...row,
        rejectedPct: total === 0 ? null : Math.round((1000 * row.rejected) / total) / 10,
        usualIntervalMs: s.intervalMs === null ? null : Math.round(s.intervalMs),
        silentAfterMs,
        silent: Number.isFinite(last) && now - last > silentAfterMs,
      };
    });
  }
}
