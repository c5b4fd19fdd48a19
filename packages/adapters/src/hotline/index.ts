import { ErrorCodes, HotlineStage, MAX_ID_CHARS } from '@cityops/schema';
import { z } from 'zod';
import { defineAdapter, type MapContext, type Mapped } from '../types.js';
import { iso, parseSourceTime } from '../time.js';

/**
 * 12345 hotline webhook (接诉即办): one JSON object per ticket stage, `POST /api/v1/ingest/hotline`
 * (one object, an array, or NDJSON). Format: README.md in this directory.
 */
export const HotlineOptions = z
  .object({
    /** where a ticket without a location is placed; without it such a ticket is rejected E_ADP_NO_LOCATION */
    addresslessAt: z
      .object({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) })
      .strict()
      .optional(),
  })
  .strict();
export type HotlineOptions = z.infer<typeof HotlineOptions>;

const text = (max: number) => z.string().trim().min(1).max(max);
/** One stage of one ticket, as the hotline system sends it (unknown fields are ignored). */
export const HotlineStageMessage = z.object({
  ticketId: text(100),
  stage: HotlineStage,
  time: z.union([z.string(), z.number()]),
  category: text(128),
  location: z.object({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) }).optional(),
  channel: z.enum(['phone', 'app', 'web', 'wechat', 'referral']).optional(),
  summary: z.string().max(2000).optional(),
  assignee: text(MAX_ID_CHARS).optional(),
  satisfied: z.boolean().optional(),
});
export type HotlineStageMessage = z.infer<typeof HotlineStageMessage>;

const bad = (reason: string, id?: string): Mapped => ({
  ok: false,
  code: ErrorCodes.ADP_BAD_INPUT,
  reason,
  ...(id ? { id } : {}),
});

/** One stage message → one `hotline.ticket` envelope, id `<ticketId>:<stage>` (a resend dedupes). */
export function mapHotline(input: unknown, ctx: MapContext, o: HotlineOptions): Mapped[] {
  const parsed = HotlineStageMessage.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return [bad(`${i.path.join('.') || '(root)'}: ${i.message}`)];
  }
  const m = parsed.data;
  const id = `${m.ticketId}:${m.stage}`;
  const t = parseSourceTime(m.time, ctx.timeZone);
  if (t === undefined) {
    return [
      { ok: false, code: ErrorCodes.ADP_BAD_TIME, reason: `time: not understood: ${String(m.time).slice(0, 40)}`, id },
    ];
  }
  if (m.satisfied !== undefined && m.stage !== 'callback') {
    return [bad(`satisfied: only on the callback stage, not on ${m.stage}`, id)];
  }
  const where = m.location ?? o.addresslessAt;
  if (!where) {
    return [{ ok: false, code: ErrorCodes.ADP_NO_LOCATION, reason: 'location: missing (address-less ticket)', id }];
  }
  return [
    {
      ok: true,
      event: {
        v: 1,
        id,
        source: 'hotline-12345',
        type: 'hotline.ticket',
        eventTime: iso(t),
        location: { lon: where.lon, lat: where.lat },
        category: ctx.category(m.category).category,
        payload: {
          ticketId: m.ticketId,
          stage: m.stage,
          channel: m.channel ?? 'phone',
          ...(m.summary !== undefined ? { summary: m.summary } : {}),
          ...(m.assignee !== undefined ? { assignee: m.assignee } : {}),
          ...(m.satisfied !== undefined ? { satisfied: m.satisfied } : {}),
        },
      },
    },
  ];
}

export const hotline = defineAdapter<HotlineOptions>({
  name: 'hotline',
  description: '12345 hotline webhook: one JSON message per ticket stage (received … callback)',
  source: 'hotline-12345',
  options: HotlineOptions,
  map: mapHotline,
  http: [{ method: 'POST', path: '/hotline' }],
});
