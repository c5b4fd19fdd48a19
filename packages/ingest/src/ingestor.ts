import type { Bus } from '@cityops/bus';
import {
  CityopsError,
  ErrorCodes,
  Topics,
  deadLetter,
  parseCityEvent,
  type CityEvent,
  type ErrorCode,
} from '@cityops/schema';
import type { Store } from '@cityops/store';
import type { CategoryCheck, Locator } from './ports.js';

/** One input at a boundary: parsed JSON, or text that did not parse. */
export type IngestItem = { ok: true; value: unknown } | { ok: false; raw: string; reason: string };

export interface Rejection {
  index: number;
  id?: string;
  code: ErrorCode;
  reason: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
}

export interface IngestorOptions {
  bus: Bus;
  store: Store;
  locator: Locator;
  /** when given, category codes must exist in the taxonomy */
  categoryExists?: CategoryCheck;
  dedupeTtlMs: number;
  maxClockSkewMs: number;
  now?: () => number;
}

export interface IngestStats {
  accepted: number;
  duplicates: number;
  rejected: Partial<Record<ErrorCode, number>>;
  lastAcceptedAt: number | null;
}

/**
 * The one path into `city.events.v1` (一口受理): every adapter hands its inputs here.
 * Validates against the canonical envelope, rejects event times too far in the future,
 * resolves the grid chain from the city pack, drops duplicate ids (per source, within the
 * dedupe TTL), publishes keyed by grid cell (DESIGN.md decision 4), and dead-letters every
 * rejected input to `city.dlq.v1` with its reason code. If publishing fails the dedupe claims
 * are released and the error is thrown, so the source can retry without losing anything.
 */
export class Ingestor {
  private readonly opts: IngestorOptions;
  private readonly now: () => number;
  readonly stats: IngestStats = { accepted: 0, duplicates: 0, rejected: {}, lastAcceptedAt: null };

  constructor(options: IngestorOptions) {
    this.opts = options;
    this.now = options.now ?? Date.now;
  }

  async ingest(items: IngestItem[], boundary: string): Promise<IngestResult> {
    const now = this.now();
    const rejected: Rejection[] = [];
    const dead: string[] = [];
    const valid: Array<{ index: number; event: CityEvent }> = [];

    const reject = (index: number, code: ErrorCode, reason: string, raw: unknown, id?: string) => {
      rejected.push({ index, code, reason, ...(id === undefined ? {} : { id }) });
      dead.push(JSON.stringify(deadLetter(code, reason, boundary, raw, new Date(now))));
    };

    items.forEach((item, index) => {
      if (!item.ok) return reject(index, ErrorCodes.EVT_NOT_JSON, item.reason, item.raw);
      const parsed = parseCityEvent(item.value);
      if (!parsed.ok) return reject(index, parsed.code, parsed.reason, item.value, idOf(item.value));
      const event = parsed.event;
      const problem = this.check(event, now);
      if (problem) return reject(index, problem.code, problem.reason, item.value, event.id);
      valid.push({ index, event });
    });

    const claimIds = valid.map((v) => `${v.event.source}/${v.event.id}`);
    const fresh = claimIds.length ? await this.opts.store.claimEventIds(claimIds, this.opts.dedupeTtlMs) : [];
    const toPublish = valid.filter((_, i) => fresh[i]);
    const claimed = claimIds.filter((_, i) => fresh[i]);
    const ingestTime = new Date(now).toISOString();

    try {
      if (toPublish.length) {
        await this.opts.bus.publish(
          Topics.events,
          toPublish.map(({ event }) => ({
            key: event.location.gridId ?? event.location.districtId ?? null,
            value: JSON.stringify({ ...event, ingestTime }),
          })),
        );
      }
    } catch (err) {
      await this.opts.store.releaseEventIds(claimed).catch(() => undefined);
      throw new CityopsError(ErrorCodes.BUS_UNAVAILABLE, `publishing to ${Topics.events} failed: ${String(err)}`, err);
    }
    if (dead.length) {
      await this.opts.bus.publish(
        Topics.dlq,
        dead.map((value) => ({ key: boundary, value })),
      );
    }

    const duplicates = valid.length - toPublish.length;
    this.stats.accepted += toPublish.length;
    this.stats.duplicates += duplicates;
    if (toPublish.length) this.stats.lastAcceptedAt = now;
    for (const r of rejected) this.stats.rejected[r.code] = (this.stats.rejected[r.code] ?? 0) + 1;
    return { accepted: toPublish.length, duplicates, rejected };
  }

  /** Checks beyond the schema; resolves the event's location in place. */
  private check(event: CityEvent, now: number): { code: ErrorCode; reason: string } | undefined {
    const t = Date.parse(event.eventTime);
    if (t > now + this.opts.maxClockSkewMs) {
      return {
        code: ErrorCodes.EVT_FUTURE_TIME,
        reason: `eventTime: ${event.eventTime} is more than ${this.opts.maxClockSkewMs} ms ahead of the ingest clock`,
      };
    }
    if (this.opts.categoryExists && !this.opts.categoryExists(event.category.code)) {
      return {
        code: ErrorCodes.EVT_UNKNOWN_CATEGORY,
        reason: `category.code: ${event.category.code} is not in the city taxonomy`,
      };
    }
    const where = this.opts.locator.locate(event.location.lon, event.location.lat);
    if (!where.inside) {
      return {
        code: ErrorCodes.EVT_OUTSIDE_CITY,
        reason: `location: ${event.location.lon},${event.location.lat} is outside the city`,
      };
    }
    event.location.gridId = where.gridId;
    event.location.communityId = where.communityId;
    event.location.streetId = where.streetId;
    event.location.districtId = where.districtId;
    return undefined;
  }
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return undefined;
}
