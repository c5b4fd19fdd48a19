import { z } from 'zod';
import { issuesReason } from './parse.js';
import { MAX_ID_CHARS } from './envelope.js';

/**
 * Officers' commands on `city.alert-actions.v1` (decisions 5 and 12), and the alert desk's answer
 * to each. Every command is an event: who (`actor`), when (`at`, the actor's clock), from where
 * (`from`: client address or console id), which case and the version the actor saw
 * (`expectedVersion`). The record key is the `caseId`. The desk decides: a command with a stale
 * version or not allowed from the case's state is rejected and written nowhere in the case.
 * Readers reject versions they do not know; a breaking change gets a new version and topic.
 */
export const ALERT_ACTION_VERSION = 1 as const;

const MAX_TIME_CHARS = 40;
/** Longest free text (notes, comments, feedback), in UTF-16 units. */
export const MAX_ACTION_TEXT_CHARS = 4_000;
/** At most this many departments on one whistle, and cases in one merge. */
export const MAX_ACTION_LIST = 20;

const isoTime = z
  .string()
  .max(MAX_TIME_CHARS, `at most ${MAX_TIME_CHARS} characters`)
  .pipe(z.iso.datetime({ offset: true }));
const name = () => z.string().min(1).max(MAX_ID_CHARS);
const text = () => z.string().trim().min(1).max(MAX_ACTION_TEXT_CHARS);
const rating = () => z.number().int().min(1).max(5);

export const ALERT_ACTIONS = [
  'ack',
  'dispatch',
  'checkin',
  'resolve',
  'close',
  'comment',
  'escalate',
  'reassign',
  'merge',
  'reopen',
  'confirm_clear',
] as const;
export type AlertActionName = (typeof ALERT_ACTIONS)[number];

/** The roles of issue 10: the API authenticates them; the desk trusts the command's actor. */
export const DESK_ROLES = ['screen', 'officer', 'supervisor', 'department', 'data', 'admin'] as const;
export const DeskRole = z.enum(DESK_ROLES);
export type DeskRole = z.infer<typeof DeskRole>;

/** 常规哨 / 重点哨 / 应急哨 */
export const WHISTLE_LEVELS = ['routine', 'priority', 'emergency'] as const;
export const WhistleLevel = z.enum(WHISTLE_LEVELS);
export type WhistleLevel = z.infer<typeof WhistleLevel>;

export const DeskActor = z
  .object({
    userId: name(),
    /** display name, shown to the officer who lost a race */
    name: z.string().min(1).max(MAX_ID_CHARS).optional(),
    role: DeskRole,
    /** the department a `department` user belongs to */
    departmentId: name().optional(),
  })
  .strict();
export type DeskActor = z.infer<typeof DeskActor>;

export const Position = z
  .object({
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
  })
  .strict();

const httpUrl = z
  .string()
  .max(2_000)
  .pipe(z.url({ protocol: /^https?$/ }));

const base = {
  v: z.literal(ALERT_ACTION_VERSION),
  /** unique per command: a command delivered twice is decided once */
  commandId: name(),
  caseId: name(),
  actor: DeskActor,
  /** when the actor acted, by the actor's clock (recorded; the desk's own time is event time) */
  at: isoTime,
  /** where the command came from: client address or console id */
  from: z.string().min(1).max(200),
  /** the case version the actor saw; a different current version is a conflict */
  expectedVersion: z.number().int().min(0),
};

export const AlertAction = z.discriminatedUnion('action', [
  z.object({ ...base, action: z.literal('ack'), note: text().optional() }).strict(),
  z
    .object({
      ...base,
      action: z.literal('dispatch'),
      level: WhistleLevel,
      /** the lead department (一门主责) */
      lead: name(),
      /** assisting departments (其他配合), lead excluded */
      assist: z.array(name()).max(MAX_ACTION_LIST).default([]),
      note: text().optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      action: z.literal('checkin'),
      departmentId: name(),
      /** when the department arrived, if not at `at` */
      arrivedAt: isoTime.optional(),
      position: Position,
      note: text().optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      action: z.literal('resolve'),
      departmentId: name(),
      notes: text(),
      photoUrl: httpUrl.optional(),
      /** the department rates the whistle (two-way evaluation) */
      whistleRating: rating().optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      action: z.literal('close'),
      /** feedback to the source (反馈) */
      feedback: text(),
      /** the officer rates the handling (two-way evaluation) */
      handlingRating: rating(),
      /** the department's rating of the whistle, if it gave it outside the resolve */
      whistleRating: rating().optional(),
    })
    .strict(),
  z.object({ ...base, action: z.literal('comment'), text: text() }).strict(),
  z.object({ ...base, action: z.literal('escalate'), reason: text() }).strict(),
  z
    .object({
      ...base,
      action: z.literal('reassign'),
      lead: name(),
      assist: z.array(name()).max(MAX_ACTION_LIST).default([]),
      reason: text(),
    })
    .strict(),
  z
    .object({
      ...base,
      action: z.literal('merge'),
      /** cases folded into this one (the surviving case is `caseId`) */
      others: z.array(name()).min(1).max(MAX_ACTION_LIST),
    })
    .strict(),
  z.object({ ...base, action: z.literal('reopen'), reason: text() }).strict(),
  z.object({ ...base, action: z.literal('confirm_clear'), note: text().optional() }).strict(),
]);
export type AlertAction = z.infer<typeof AlertAction>;
export type AlertActionInput = z.input<typeof AlertAction>;

export type AlertActionParseResult = { ok: true; action: AlertAction } | { ok: false; reason: string };

/** Validates a command read from the bus or a request body; the reason names the failing field. */
export function parseAlertAction(input: unknown): AlertActionParseResult {
  const r = AlertAction.safeParse(input);
  if (r.success) return { ok: true, action: r.data };
  return { ok: false, reason: issuesReason(r.error.issues) };
}

/**
 * The desk's answer to one command (`cityops.alert-desk.decisions.v1`, keyed by commandId).
 * `accepted`: the transition happened, `version` is the case's new version. `conflict`: the
 * expected version was stale (an API answers 409 with `version` and `lastActor`). `rejected`: not
 * allowed from the state, by the role or department, or an unknown case (`code` says which).
 */
export interface AlertActionDecision {
  v: 1;
  commandId: string;
  caseId: string;
  action: AlertActionName;
  outcome: 'accepted' | 'conflict' | 'rejected';
  code?: string;
  reason?: string;
  /** the case's current version after the decision (0 for an unknown case) */
  version: number;
  state?: string;
  /** who changed the case last, and with what */
  lastActor?: DeskActor;
  lastAction?: string;
  lastAt?: string;
  /** the desk time of the decision (event time) */
  decidedAt: string;
  /** true when this command id was decided before: this is the first decision again */
  duplicate?: true;
}
