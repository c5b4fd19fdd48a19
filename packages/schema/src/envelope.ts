import { z } from 'zod';

/** Current version of the canonical envelope. Readers reject versions they do not know. */
export const ENVELOPE_VERSION = 1 as const;

/** Longest identifier or name an event may carry (ids, sensor/vehicle/ticket ids, company, grid chain). */
export const MAX_ID_CHARS = 128;
/** Longest ISO time accepted (nanoseconds and an offset need 35). */
const MAX_TIME_CHARS = 40;

// length first, so the format check never reads more than MAX_TIME_CHARS
const isoTime = z
  .string()
  .max(MAX_TIME_CHARS, `at most ${MAX_TIME_CHARS} characters`)
  .pipe(z.iso.datetime({ offset: true }));
/**
 * An identifier or name: 1..MAX_ID_CHARS UTF-16 units, so at most 3 bytes each in UTF-8. Every
 * string in the envelope has a maximum; the whole event is capped too (MAX_EVENT_BYTES, parse.ts).
 */
const name = () => z.string().min(1).max(MAX_ID_CHARS);

/** Where an event happened. Adapters give lon/lat; ingest resolves the grid chain from the city pack. */
export const Location = z
  .object({
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    gridId: name().optional(),
    communityId: name().optional(),
    streetId: name().optional(),
    districtId: name().optional(),
    roadSegmentId: name().optional(),
  })
  .strict();
export type Location = z.infer<typeof Location>;

/** Category from the city taxonomy (部件/事件 classes, e.g. `E.01.03` for 占道经营-like codes). */
export const Category = z
  .object({
    kind: z.enum(['part', 'event']), // 部件 / 事件
    code: z.string().regex(/^[PE]\.\d{2}(\.\d{2})?$/, 'category code like P.01.02 or E.05.01'),
  })
  .strict();
export type Category = z.infer<typeof Category>;

export const HotlineStage = z.enum(['received', 'dispatched', 'responded', 'resolved', 'callback']);
export type HotlineStage = z.infer<typeof HotlineStage>;

/** 12345 hotline ticket lifecycle step (接诉即办). One event per stage transition. */
export const HotlineTicketPayload = z
  .object({
    ticketId: name(),
    stage: HotlineStage,
    channel: z.enum(['phone', 'app', 'web', 'wechat', 'referral']).default('phone'),
    summary: z.string().max(2000).optional(),
    assignee: name().optional(), // street or department the ticket was dispatched to
    satisfied: z.boolean().optional(), // only on the callback stage
  })
  .strict();

export const SensorKind = z.enum([
  'water_level',
  'manhole_cover',
  'street_light',
  'noise',
  'air_quality',
  'traffic_speed',
]);
export type SensorKind = z.infer<typeof SensorKind>;

/** A reading from an IoT sensor (or a heartbeat / offline notice, by status). */
export const SensorReadingPayload = z
  .object({
    sensorId: name(),
    kind: SensorKind,
    value: z.number().finite(),
    unit: z.string().min(1).max(16),
    status: z.enum(['ok', 'alarm', 'offline', 'heartbeat']).default('ok'),
  })
  .strict();

/**
 * A delivery vehicle's position (快递/物流). Real trackers send positions only: `state` and
 * `inLoadingZone` are what a source may say about itself, kept as hints and never trusted alone
 * (decision 11); the detector derives stopped / on the carriageway / in a loading zone from the
 * positions, the time and the city pack. `speedKmh` and `headingDeg` are optional for the same reason.
 */
export const DeliveryVehiclePayload = z
  .object({
    vehicleId: name(),
    company: name().optional(),
    state: z.enum(['moving', 'stopped', 'unloading']).optional(),
    speedKmh: z.number().min(0).max(200).optional(),
    headingDeg: z.number().min(0).max(360).optional(),
    inLoadingZone: z.boolean().optional(),
    parcels: z.number().int().min(0).optional(),
  })
  .strict();

const base = {
  v: z.literal(ENVELOPE_VERSION),
  id: name(),
  source: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'source like hotline-12345 or sim.sensors'),
  eventTime: isoTime,
  ingestTime: isoTime.optional(),
  location: Location,
  category: Category,
};

/** The canonical event envelope: everything on `city.events.v1` has exactly this shape. */
export const CityEvent = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('hotline.ticket'), payload: HotlineTicketPayload }).strict(),
  z.object({ ...base, type: z.literal('sensor.reading'), payload: SensorReadingPayload }).strict(),
  z.object({ ...base, type: z.literal('delivery.vehicle'), payload: DeliveryVehiclePayload }).strict(),
]);
export type CityEvent = z.infer<typeof CityEvent>;
export type CityEventInput = z.input<typeof CityEvent>;
export type CityEventType = CityEvent['type'];
export const CITY_EVENT_TYPES: readonly CityEventType[] = ['hotline.ticket', 'sensor.reading', 'delivery.vehicle'];
