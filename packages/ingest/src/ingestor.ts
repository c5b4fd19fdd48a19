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
  /**
   * Valid events whose id another ingest is publishing right now (or was, when it died): not
   * accepted and not dead-lettered; the source should send them again shortly (E_EVT_IN_FLIGHT).
   */
  retry: Rejection[];
}

export interface IngestorOptions {
  bus: Bus;
  store: Store;
  locator: Locator;
  /** when given, category codes must exist in the taxonomy */
  categoryExists?: CategoryCheck;
  dedupeTtlMs: number;
  maxClockSkewMs: number;
  /** how long an unconfirmed claim holds an id (default 60 s): longer than any publish should take */
  pendingClaimMs?: number;
  now?: () => number;
}

export interface IngestStats {
  accepted: number;
  duplicates: number;
  inFlight: number;
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
  readonly stats: IngestStats = { accepted: 0, duplicates: 0, inFlight: 0, rejected: {}, lastAcceptedAt: null };

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

    // an id repeated within one request is a duplicate of its first occurrence, whatever the store says
    const seen = new Set<string>();
    const unique = valid.filter((v) => {
      const key = `${v.event.source}/${v.event.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // two-phase dedupe (decision 005): claim as pending, publish, then confirm
    const claimIds = [...seen];
    const claims = claimIds.length
      ? await this.opts.store.claimEventIds(claimIds, this.opts.pendingClaimMs ?? 60_000)
      : [];
    const toPublish = unique.filter((_, i) => claims[i] === 'claimed');
    const claimed = claimIds.filter((_, i) => claims[i] === 'claimed');
    const retry: Rejection[] = [];
    unique.forEach((v, i) => {
      if (claims[i] === 'pending') {
        retry.push({
          index: v.index,
          id: v.event.id,
          code: ErrorCodes.EVT_IN_FLIGHT,
          reason: 'an event with this source and id is being ingested right now; send it again shortly',
        });
      }
    });
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
    // published: from now on these ids are duplicates. If this fails the claims stay pending and
    // lapse, so a retry is told to wait rather than dropped; it can never double-count.
    await this.opts.store.confirmEventIds(claimed, this.opts.dedupeTtlMs).catch(() => undefined);
    if (dead.length) {
      await this.opts.bus.publish(
        Topics.dlq,
        dead.map((value) => ({ key: boundary, value })),
      );
    }

    const duplicates = valid.length - toPublish.length - retry.length;
    this.stats.accepted += toPublish.length;
    this.stats.duplicates += duplicates;
    if (toPublish.length) this.stats.lastAcceptedAt = now;
    for (const r of rejected) this.stats.rejected[r.code] = (this.stats.rejected[r.code] ?? 0) + 1;
    this.stats.inFlight += retry.length;
    return { accepted: toPublish.length, duplicates, rejected, retry };
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
