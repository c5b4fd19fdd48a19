import type { Bus } from '@cityops/bus';
import {
  CityopsError,
  ErrorCodes,
  MAX_ID_CHARS,
  capReason,
  Topics,
  deadLetter,
  parseCityEvent,
  type CityEvent,
  type ErrorCode,
} from '@cityops/schema';
import type { ClaimResult, Store } from '@cityops/store';
import { ingestMetrics } from '@cityops/metrics';
import { ClaimHold, newInstanceToken } from './claim-hold.js';
import { EVENT_ID_HEADER, findPublished } from './find-published.js';
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
   * Valid events not settled yet (E_EVT_IN_FLIGHT): another ingest holds their id (it is
   * publishing them, or died doing so), or this ingest's publish failed or timed out after they
   * may have reached the broker. Not accepted and not dead-lettered; the source sends them again.
   */
  retry: Rejection[];
  /** indexes of the items accepted (published); an item in none of the lists is a duplicate */
  acceptedIndexes: number[];
}

export interface IngestorOptions {
  bus: Bus;
  store: Store;
  locator: Locator;
  /** when given, category codes must exist in the taxonomy */
  categoryExists?: CategoryCheck;
  dedupeTtlMs: number;
  maxClockSkewMs: number;
  /**
   * events older than this before the ingest clock are rejected (E_EVT_TOO_OLD), since the
   * aggregator would drop them as late (ALLOWED_LATENESS_MS; default 5 min, the setting's default)
   */
  allowedLatenessMs?: number;
  /** a pending claim lapses this long after it was taken or last renewed (default 10 s) */
  claimLeaseMs?: number;
  /** while a publish is in flight its claims are renewed this often (default 3 s) */
  claimRenewMs?: number;
  /** an ingest answers "retry" for events whose publish has not settled after this (default 30 s) */
  publishTimeoutMs?: number;
  /** claims of a publish that never settles are renewed for at most this long (default 5 min) */
  maxClaimHoldMs?: number;
  now?: () => number;
}

export interface IngestStats {
  accepted: number;
  duplicates: number;
  /** events answered "retry" (E_EVT_IN_FLIGHT) */
  inFlight: number;
  /** publishes that failed or timed out after the records may have reached the broker */
  ambiguousPublishes: number;
  /** ids this ingest published but could not confirm because another owner held them by then */
  claimsLost: number;
  /** claims taken over from a dead publisher whose event was found on the topic (not published again) */
  takeoversFound: number;
  rejected: Partial<Record<ErrorCode, number>>;
  lastAcceptedAt: number | null;
}

/**
 * The one path into `city.events.v1` (一口受理): every adapter hands its inputs here.
 * Validates against the canonical envelope, rejects event times too far in the future,
 * resolves the grid chain from the city pack, drops duplicate ids (per source, within the
 * dedupe TTL), publishes keyed by grid cell (DESIGN.md decision 4), and dead-letters every
 * rejected input to `city.dlq.v1` with its reason code.
 *
 * Dedupe claims (decision 005) are held under an owner token unique to this instance and call,
 * with a short lease renewed while the publish is in flight. A publish that definitely failed
 * (bus closed) releases its claims and throws E_BUS_UNAVAILABLE; one that failed or timed out
 * after the records may have reached the broker keeps them pending and answers its events
 * "retry", so a resend is held off until the publish settles or the claims lapse.
 */
export class Ingestor {
  private readonly opts: IngestorOptions;
  private readonly now: () => number;
  readonly stats: IngestStats = {
    accepted: 0,
    duplicates: 0,
    inFlight: 0,
    ambiguousPublishes: 0,
    claimsLost: 0,
    takeoversFound: 0,
    rejected: {},
    lastAcceptedAt: null,
  };
  private readonly instance = newInstanceToken();
  private calls = 0;

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
      if (!item.ok) return reject(index, ErrorCodes.EVT_NOT_JSON, capReason(item.reason), item.raw);
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
    // two-phase dedupe (decision 005): claim as pending under our own token, publish, confirm
    const claimIds = [...seen];
    const lease = { owner: `${this.instance}:${++this.calls}`, leaseMs: this.opts.claimLeaseMs ?? 10_000 };
    const claims = claimIds.length ? await this.opts.store.claimEventIds(claimIds, lease) : [];
    const taken = (c: ClaimResult | undefined) => c === 'claimed' || (typeof c === 'object' && c !== null);
    // a claim taken over from a publisher that died: its event may be on the topic already
    const lapsed = unique.flatMap((v, i) => {
      const c = claims[i];
      return typeof c === 'object'
        ? [{ claimId: claimIds[i]!, key: partitionKeyOf(v.event), since: c.lapsedSince }]
        : [];
    });
    const published = await findPublished(this.opts.bus, Topics.events, lapsed);
    if (published.size) {
      // found: duplicates from now on, under our claim
      await this.opts.store.confirmEventIds([...published], lease.owner, this.opts.dedupeTtlMs);
      this.stats.takeoversFound += published.size;
    }
    let toPublish = unique.filter((_, i) => taken(claims[i]) && !published.has(claimIds[i]!));
    const claimed = claimIds.filter((id, i) => taken(claims[i]) && !published.has(id));
    const retry: Rejection[] = [];
    const retryAll = (list: Array<{ index: number; event: CityEvent }>, reason: string) => {
      for (const v of list) retry.push({ index: v.index, id: v.event.id, code: ErrorCodes.EVT_IN_FLIGHT, reason });
    };
    retryAll(
      unique.filter((_, i) => claims[i] === 'pending'),
      'an event with this source and id is being ingested right now; send it again shortly',
    );
    const ingestTime = new Date(now).toISOString();

    if (toPublish.length) {
      const hold = new ClaimHold(this.opts.store, claimed, lease, {
        renewMs: this.opts.claimRenewMs ?? 3_000,
        maxHoldMs: this.opts.maxClaimHoldMs ?? 300_000,
        confirmTtlMs: this.opts.dedupeTtlMs,
        onLost: (n) => (this.stats.claimsLost += n),
      });
      const outcome = await hold.publish(
        () =>
          this.opts.bus.publish(
            Topics.events,
            toPublish.map(({ event }) => ({
              key: partitionKeyOf(event),
              value: JSON.stringify({ ...event, ingestTime }),
              headers: { [EVENT_ID_HEADER]: `${event.source}/${event.id}` },
            })),
          ),
        this.opts.publishTimeoutMs ?? 30_000,
      );
      if (outcome.kind === 'failed') {
        throw new CityopsError(
          ErrorCodes.BUS_UNAVAILABLE,
          `publishing to ${Topics.events} failed: ${String(outcome.error)}`,
          outcome.error,
        );
      }
      if (outcome.kind === 'unsettled') {
        this.stats.ambiguousPublishes++;
        retryAll(
          toPublish,
          `publishing to ${Topics.events} ${outcome.why}; the event may be on the topic already: send it again ` +
            '(answered in flight until that publish settles or its claim lapses)',
        );
        toPublish = [];
      }
    }
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
    ingestMetrics.accepted(boundary, toPublish.length);
    ingestMetrics.duplicates(boundary, duplicates);
    ingestMetrics.retry(boundary, retry.length);
    for (const r of rejected) ingestMetrics.rejected(boundary, r.code, 1);
    return { accepted: toPublish.length, duplicates, rejected, retry, acceptedIndexes: toPublish.map((v) => v.index) };
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
    // accepted, it would be dropped downstream as late without a word to the sender
    const lateness = this.opts.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS;
    if (!(t >= now - lateness)) {
      return {
        code: ErrorCodes.EVT_TOO_OLD,
        reason: `eventTime: ${event.eventTime} is more than ${lateness} ms (the allowed lateness) behind the ingest clock`,
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

const DEFAULT_ALLOWED_LATENESS_MS = 5 * 60_000;

/** Events are keyed by grid cell (DESIGN.md decision 4), so one area's events stay ordered. */
function partitionKeyOf(event: CityEvent): string | null {
  return event.location.gridId ?? event.location.districtId ?? null;
}

/** The id of a rejected input, to echo in the answer: only one that could be valid (bounded). */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') {
    const id = (value as { id: string }).id;
    return id.length <= MAX_ID_CHARS ? id : undefined;
  }
  return undefined;
}
