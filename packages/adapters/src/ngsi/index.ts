import { z } from 'zod';
import { ErrorCodes } from '@cityops/schema';
import { RETRY_AFTER_S } from '../http.js';
import { defineAdapter, type HttpReceiver, type Mapped, type ParseOutcome, type ReceiverRequest } from '../types.js';
import { isObject, readEntity, type AttrsFormat } from './entity.js';
import { mapEntity, NGSI_SOURCE, type NgsiOptions } from './models.js';
import { parseSourceTime } from './time.js';

/** What a receiver hands to map(): one entity of a notification, with the notification's own facts. */
export interface NgsiInput {
  ngsi: 'v2' | 'ld';
  entity: unknown;
  /** NGSI-LD `notifiedAt` (v2 notifications carry no time) */
  notifiedAt?: string;
  attrsFormat?: AttrsFormat;
}

const MAX_ENTITIES = 5_000;

const options: z.ZodType<NgsiOptions> = z
  .object({
    deliveryVehicleTypes: z.array(z.string().min(1)).default(['van', 'lorry', 'truck', 'cargoBicycle']),
    excludeVehicleCategories: z.array(z.string().min(1)).default(['municipalServices', 'specialUsage', 'public']),
    waterLevelUnit: z.enum(['m', 'cm', 'mm']).default('m'),
  })
  .strict() as unknown as z.ZodType<NgsiOptions>;

function json(req: ReceiverRequest): { ok: true; body: unknown } | { ok: false; reason: string } {
  const ct = req.contentType.split(';')[0]!.trim().toLowerCase();
  if (ct !== '' && ct !== 'application/json' && ct !== 'application/ld+json') {
    return { ok: false, reason: `Content-Type ${ct} is not application/json or application/ld+json` };
  }
  try {
    return { ok: true, body: JSON.parse(req.body.toString('utf8')) };
  } catch (err) {
    return { ok: false, reason: `the body is not JSON: ${(err as Error).message}` };
  }
}

function entities(body: Record<string, unknown>, wrap: (e: unknown) => NgsiInput): ParseOutcome {
  const data = body.data as unknown[];
  if (data.length > MAX_ENTITIES) {
    return { ok: false, code: ErrorCodes.HTTP_TOO_MANY_ITEMS, reason: `more than ${MAX_ENTITIES} entities` };
  }
  return { ok: true, inputs: data.map(wrap) };
}

/** Orion's `{subscriptionId, data:[...]}`; `simplified*` formats send the bare entity. */
function parseV2(req: ReceiverRequest): ParseOutcome {
  const header = req.headers['ngsiv2-attrsformat'] ?? '';
  if (header === 'values') {
    return {
      ok: false,
      code: ErrorCodes.ADP_UNSUPPORTED_TYPE,
      reason: 'attrsFormat "values" carries no attribute names; subscribe with normalized or keyValues',
    };
  }
  const attrsFormat: AttrsFormat = /keyvalues/i.test(header) ? 'keyValues' : 'auto';
  const j = json(req);
  if (!j.ok) return { ok: false, code: ErrorCodes.ADP_PARSE, reason: j.reason };
  const b = j.body;
  if (isObject(b) && Array.isArray(b.data)) return entities(b, (entity) => ({ ngsi: 'v2', entity, attrsFormat }));
  if (isObject(b) && typeof b.id === 'string' && typeof b.type === 'string') {
    return { ok: true, inputs: [{ ngsi: 'v2', entity: b, attrsFormat }] };
  }
  return {
    ok: false,
    code: ErrorCodes.ADP_BAD_INPUT,
    reason: 'an NGSI v2 notification is {"subscriptionId": ..., "data": [entity, ...]}',
  };
}

/** ETSI NGSI-LD `{id, type:"Notification", subscriptionId, notifiedAt, data:[...]}`, JSON or JSON-LD. */
function parseLd(req: ReceiverRequest): ParseOutcome {
  const j = json(req);
  if (!j.ok) return { ok: false, code: ErrorCodes.ADP_PARSE, reason: j.reason };
  const b = j.body;
  if (!isObject(b) || !Array.isArray(b.data) || (b.type !== undefined && b.type !== 'Notification')) {
    return {
      ok: false,
      code: ErrorCodes.ADP_BAD_INPUT,
      reason: 'an NGSI-LD notification is {"type": "Notification", "subscriptionId": ..., "data": [entity, ...]}',
    };
  }
  let notifiedAt: string | undefined;
  if (b.notifiedAt !== undefined) {
    if (typeof b.notifiedAt !== 'string' || parseSourceTime(b.notifiedAt, 'UTC') === undefined) {
      return {
        ok: false,
        code: ErrorCodes.ADP_BAD_TIME,
        reason: `notifiedAt ${JSON.stringify(b.notifiedAt)} is not a time`,
      };
    }
    notifiedAt = b.notifiedAt;
  }
  return entities(b, (entity) => ({ ngsi: 'ld', entity, attrsFormat: 'auto', ...(notifiedAt ? { notifiedAt } : {}) }));
}

/** Context brokers expect 204; an NGSI error body on a bad notification; 503 when some must be sent again. */
const answer: HttpReceiver['answer'] = (outcome, _req, error) => {
  if (error || !outcome) {
    const code = error?.code ?? ErrorCodes.ADP_PARSE;
    return { status: 400, body: { error: 'BadRequest', description: error?.reason ?? 'bad notification', code } };
  }
  if (outcome.retry.length > 0) {
    return {
      status: 503,
      headers: { 'Retry-After': String(RETRY_AFTER_S) },
      body: { error: 'ServiceUnavailable', description: `${outcome.retry.length} entities not settled; notify again` },
    };
  }
  return { status: 204 };
};

function isWrapper(v: unknown): v is NgsiInput {
  return isObject(v) && (v.ngsi === 'v2' || v.ngsi === 'ld') && 'entity' in v;
}

export const ngsi = defineAdapter<NgsiOptions>({
  name: 'ngsi',
  description: 'FIWARE NGSI v2 and NGSI-LD notifications of Smart Data Models (context broker subscriptions)',
  source: NGSI_SOURCE,
  options,
  map(input, ctx, o): Mapped[] {
    // a whole notification (file replay) maps entity by entity
    if (isObject(input) && Array.isArray(input.data) && !isWrapper(input)) {
      const notifiedAt = typeof input.notifiedAt === 'string' ? input.notifiedAt : undefined;
      const kind = input.type === 'Notification' ? 'ld' : 'v2';
      return input.data.flatMap((entity) => ngsi.map({ ngsi: kind, entity, notifiedAt }, ctx, o));
    }
    const w: NgsiInput = isWrapper(input) ? input : { ngsi: 'v2', entity: input };
    const read = readEntity(w.entity, w.attrsFormat ?? 'auto');
    if (!read.ok) {
      return [{ ok: false, code: ErrorCodes.ADP_BAD_INPUT, reason: read.reason, ...(read.id ? { id: read.id } : {}) }];
    }
    const at = w.notifiedAt ? parseSourceTime(w.notifiedAt, ctx.timeZone) : undefined;
    return [mapEntity(read.entity, ctx, o, at ?? ctx.now())];
  },
  http: [
    { method: 'POST', path: '/ngsi/v2/notify', parse: parseV2, answer },
    { method: 'POST', path: '/ngsi-ld/notify', parse: parseLd, answer },
  ],
});

export { parseSourceTime } from './time.js';
export type { NgsiOptions } from './models.js';
