import { createHash } from 'node:crypto';
import { SHANGHAI_TAXONOMY, type Taxonomy } from '@cityops/city';
import { ErrorCodes, type CityEventInput, type ErrorCode, type HotlineStage } from '@cityops/schema';
import type { MapContext, Mapped } from '../types.js';
import { boundedId } from '../ngsi/models.js';
import { parseSourceTime } from '../ngsi/time.js';

/**
 * Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) both ways: a service request POSTed
 * to us becomes a `received` ticket; requests read from a remote GeoReport server become the stages
 * their status and notes show. Everything here is pure; the poller is in poller.ts.
 */
export const OPEN311_SOURCE = 'open311';
const TAXONOMY_CODE = /^[PE]\.\d{2}(\.\d{2})?$/;
const MAX_SUMMARY = 2000;
/** the spec's limit on `description` */
export const MAX_DESCRIPTION = 4000;

/** A request POSTed to `requests.json`: its fields as sent (api_key removed), or why it is not one. */
export interface PostedRequest {
  open311: 'post';
  fields: Record<string, string>;
  attributes: Record<string, string>;
  /** set by parse when the body is a request but not a valid one (answered 400, dead-lettered without the key) */
  invalid?: { code: ErrorCode; reason: string };
}

/** A request as a remote server's `GET requests.json` lists it, with the poll's cursor time. */
export interface RemoteRequest {
  open311: 'remote';
  server: string;
  /** the cursor's `updated_datetime` (ms) before this poll, if any: `received` only for requests new since */
  after?: number;
  request: Record<string, unknown>;
}

export type Open311Input = PostedRequest | RemoteRequest;

function category(code: string, ctx: MapContext): CityEventInput['category'] {
  // our own taxonomy codes (as services.json lists them) stand for themselves; the city's own codes map
  if (TAXONOMY_CODE.test(code)) return { kind: code.startsWith('P') ? 'part' : 'event', code };
  return ctx.category(code).category;
}

function coord(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function place(
  lat: unknown,
  lon: unknown,
): { ok: true; lon: number; lat: number } | { ok: false; code: ErrorCode; reason: string } {
  if ((lat === undefined || lat === null || lat === '') && (lon === undefined || lon === null || lon === '')) {
    return {
      ok: false,
      code: ErrorCodes.ADP_NO_LOCATION,
      reason: 'lat and long are required: this server does not geocode address_string or address_id',
    };
  }
  const la = coord(lat);
  const lo = coord(lon);
  if (la === undefined || lo === undefined || Math.abs(la) > 90 || Math.abs(lo) > 180) {
    return {
      ok: false,
      code: ErrorCodes.ADP_BAD_INPUT,
      reason: `lat ${String(lat)} / long ${String(lon)} is not a WGS84 position`,
    };
  }
  return { ok: true, lon: lo, lat: la };
}

function summary(...parts: unknown[]): string | undefined {
  const s = parts.filter((p): p is string => typeof p === 'string' && p.trim() !== '').join(' — ');
  return s === '' ? undefined : s.slice(0, MAX_SUMMARY);
}

/** The id we answer for a POSTed request: a hash of what was sent, so a resend is the same request. */
export function postedRequestId(r: Pick<PostedRequest, 'fields' | 'attributes'>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(r.fields).sort()) h.update(`${k}=${r.fields[k]}\n`);
  for (const k of Object.keys(r.attributes).sort()) h.update(`attribute[${k}]=${r.attributes[k]}\n`);
  return `o311-${h.digest('hex').slice(0, 20)}`;
}

export function mapPosted(r: PostedRequest, ctx: MapContext): Mapped {
  const id = postedRequestId(r);
  if (r.invalid) return { ok: false, code: r.invalid.code, reason: r.invalid.reason, id };
  const at = place(r.fields.lat, r.fields.long);
  if (!at.ok) return { ok: false, code: at.code, reason: at.reason, id };
  const code = r.fields.service_code!;
  return {
    ok: true,
    event: {
      v: 1,
      id: `${id}:received`,
      source: OPEN311_SOURCE,
      type: 'hotline.ticket',
      eventTime: new Date(ctx.now()).toISOString(),
      location: { lon: at.lon, lat: at.lat },
      category: category(code, ctx),
      payload: {
        ticketId: id,
        stage: 'received',
        channel: 'referral',
        ...opt('summary', summary(r.fields.description, r.fields.address_string)),
      },
    },
  };
}

function opt<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * One remote request → the ticket stages it shows, each with an id of its own so a poll that sees
 * it again is a duplicate: `received` (at requested_datetime, only when it is new since the cursor),
 * `dispatched` (an agency_responsible is named), `responded` (open with status_notes: one per
 * distinct note), `resolved` (closed, the notes as summary). GeoReport has no time per stage, so
 * stages after `received` carry updated_datetime: when we saw them, not when they happened.
 */
export function mapRemote(input: RemoteRequest, ctx: MapContext): Mapped[] {
  const r = input.request;
  const srid = str(r.service_request_id);
  if (srid === undefined) {
    return [
      { ok: false, code: ErrorCodes.ADP_BAD_INPUT, reason: `${input.server}: a request without service_request_id` },
    ];
  }
  const ticketId = boundedId(`${input.server}:${srid}`);
  const fail = (code: ErrorCode, reason: string): Mapped[] => [
    { ok: false, code, reason: `${input.server} request ${srid}: ${reason}`, id: ticketId },
  ];
  const status = r.status;
  if (status !== 'open' && status !== 'closed')
    return fail(ErrorCodes.ADP_BAD_INPUT, `status ${JSON.stringify(status)} is not open or closed`);
  const code = str(r.service_code);
  if (code === undefined) return fail(ErrorCodes.ADP_BAD_INPUT, 'no service_code');
  const requested =
    typeof r.requested_datetime === 'string' ? parseSourceTime(r.requested_datetime, ctx.timeZone) : undefined;
  const updated =
    typeof r.updated_datetime === 'string' ? parseSourceTime(r.updated_datetime, ctx.timeZone) : requested;
  if (requested === undefined)
    return fail(ErrorCodes.ADP_BAD_TIME, `requested_datetime ${JSON.stringify(r.requested_datetime)} is not a w3 time`);
  if (updated === undefined)
    return fail(ErrorCodes.ADP_BAD_TIME, `updated_datetime ${JSON.stringify(r.updated_datetime)} is not a w3 time`);
  const at = place(r.lat, r.long);
  if (!at.ok) return fail(at.code, at.reason);

  const base = {
    v: 1 as const,
    source: OPEN311_SOURCE,
    type: 'hotline.ticket' as const,
    location: { lon: at.lon, lat: at.lat },
    category: category(code, ctx),
  };
  const notes = str(r.status_notes);
  const agency = str(r.agency_responsible);
  const stage = (s: HotlineStage, ms: number, suffix: string, extra: Record<string, unknown> = {}): Mapped => ({
    ok: true,
    event: {
      ...base,
      id: boundedId(`${ticketId}:${s}${suffix}`),
      eventTime: new Date(ms).toISOString(),
      payload: { ticketId, stage: s, channel: 'referral', ...extra },
    } as CityEventInput,
  });
  const out: Mapped[] = [];
  if (input.after === undefined || requested > input.after) {
    out.push(stage('received', requested, '', opt('summary', summary(r.description, r.address, r.service_name))));
  }
  if (agency !== undefined) out.push(stage('dispatched', updated, '', { assignee: boundedId(agency) }));
  if (status === 'open' && notes !== undefined) {
    const h = createHash('sha256').update(notes).digest('hex').slice(0, 12);
    out.push(stage('responded', updated, `:${h}`, { summary: notes.slice(0, MAX_SUMMARY) }));
  }
  if (status === 'closed') out.push(stage('resolved', updated, '', opt('summary', notes?.slice(0, MAX_SUMMARY))));
  return out;
}

/** One GeoReport service per 事件 small class of the taxonomy (parts are assets, not request types). */
export function services(taxonomy: Taxonomy = SHANGHAI_TAXONOMY) {
  return taxonomy.classes
    .filter((c) => c.kind === 'event')
    .flatMap((c) =>
      c.small.map((s) => ({
        service_code: s.code,
        service_name: s.name,
        description: s.nameEn,
        metadata: false,
        type: 'realtime',
        keywords: [s.nameEn, c.nameEn].join(', '),
        group: c.name,
      })),
    );
}

/** The GeoReport error body: `[{"code": <HTTP status>, "description": "..."}]` */
export function geoReportError(status: number, description: string) {
  return { status, body: [{ code: status, description }] };
}
