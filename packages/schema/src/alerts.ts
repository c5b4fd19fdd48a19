import { z } from 'zod';
import { issuesReason } from './parse.js';
import { MAX_ID_CHARS } from './envelope.js';

/**
 * Alert events on `city.alerts.v1` (decision 5 and 11). The detector publishes one `raised` event
 * when a rule first fires for an incident, `updated` events as the evidence or the severity changes,
 * and one `cleared` event when the condition ends. One incident is one `alertId` for its whole life.
 * Readers reject versions they do not know; a breaking change gets a new version and topic.
 */
export const ALERT_VERSION = 1 as const;

/** At most this many event ids are kept as evidence on one alert event (the newest ones). */
export const MAX_ALERT_EVIDENCE = 50;
/** Longest summary per language, in UTF-16 units. */
export const MAX_ALERT_SUMMARY_CHARS = 280;
/** At most this many sensor ids named by a feed_offline alert. */
export const MAX_ALERT_SILENT_IDS = 100;

const MAX_TIME_CHARS = 40;
const isoTime = z
  .string()
  .max(MAX_TIME_CHARS, `at most ${MAX_TIME_CHARS} characters`)
  .pipe(z.iso.datetime({ offset: true }));
const name = () => z.string().min(1).max(MAX_ID_CHARS);

export const ALERT_TYPES = [
  'road_blockage',
  'flooding',
  'light_outage',
  'hotline_surge',
  'feed_offline',
  'manhole_tilt',
  'noise_night',
] as const;
export const AlertType = z.enum(ALERT_TYPES);
export type AlertType = z.infer<typeof AlertType>;

export const AlertState = z.enum(['raised', 'updated', 'cleared']);
export type AlertState = z.infer<typeof AlertState>;

/** info < minor < major < critical; a critical alert must be impossible to miss on the wall. */
export const ALERT_SEVERITIES = ['info', 'minor', 'major', 'critical'] as const;
export const AlertSeverity = z.enum(ALERT_SEVERITIES);
export type AlertSeverity = z.infer<typeof AlertSeverity>;

export const AlertPlace = z
  .object({
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    roadSegmentId: name().optional(),
    gridId: name().optional(),
    streetId: name().optional(),
    districtId: name(),
  })
  .strict();
export type AlertPlace = z.infer<typeof AlertPlace>;

/** Departments suggested from the pack's responsibilities (一门主责、其他配合). */
export const SuggestedDepartments = z
  .object({
    lead: name().optional(),
    assist: z.array(name()).max(20),
  })
  .strict();

export const AlertSummary = z
  .object({
    zh: z.string().min(1).max(MAX_ALERT_SUMMARY_CHARS),
    en: z.string().min(1).max(MAX_ALERT_SUMMARY_CHARS),
  })
  .strict();

/** Numbers that explain the alert (rule-specific: dwell seconds, vans, speed drop, z-score ...). */
export const AlertMetrics = z
  .record(z.string().max(40), z.number().finite())
  .refine((m) => Object.keys(m).length <= 20, {
    message: 'at most 20 metrics',
  });

export const AlertEvent = z
  .object({
    v: z.literal(ALERT_VERSION),
    /** unique per alert event (alertId + sequence), so consumers can dedupe */
    eventId: name(),
    alertId: name(),
    /** 1 for `raised`, +1 for each later event of the same alert */
    seq: z.number().int().min(1),
    type: AlertType,
    state: AlertState,
    severity: AlertSeverity,
    place: AlertPlace,
    /** event time of the first signal of the incident (e.g. when the first van stopped) */
    firstSignalAt: isoTime,
    /** event time at which the rule fired (for `raised`), or of this update / clear */
    detectedAt: isoTime,
    /** the category of the incident in the pack taxonomy, e.g. E.06.02 */
    categoryCode: z
      .string()
      .regex(/^[PE]\.\d{2}(\.\d{2})?$/)
      .optional(),
    /** ids of the events behind the alert, newest last, at most MAX_ALERT_EVIDENCE */
    evidence: z.array(name()).max(MAX_ALERT_EVIDENCE),
    /** how many events were evidence in all (evidence itself is capped) */
    evidenceCount: z.number().int().min(0),
    /** entities the alert is about: vehicle ids, silent sensor ids, gauge ids ... (capped) */
    subjects: z.array(name()).max(MAX_ALERT_SILENT_IDS).default([]),
    departments: SuggestedDepartments,
    summary: AlertSummary,
    metrics: AlertMetrics.default({}),
  })
  .strict();
export type AlertEvent = z.infer<typeof AlertEvent>;
export type AlertEventInput = z.input<typeof AlertEvent>;

export type AlertParseResult = { ok: true; alert: AlertEvent } | { ok: false; reason: string };

/** Validates an alert event read from the bus or a file; the reason names the failing field. */
export function parseAlertEvent(input: unknown): AlertParseResult {
  const r = AlertEvent.safeParse(input);
  if (r.success) return { ok: true, alert: r.data };
  return { ok: false, reason: issuesReason(r.error.issues) };
}
