import { boundedJson, capText, jsonLongerThan, preview, truncateUtf8 } from './bounded.js';
import { CityEvent, ENVELOPE_VERSION } from './envelope.js';
import { ErrorCodes, type ErrorCode } from './errors.js';

/** Largest event accepted, as JSON in UTF-8 bytes (the canonical envelope is a few hundred). */
export const MAX_EVENT_BYTES = 16 * 1024;
/** Longest reason in an answer or a dead letter, in UTF-16 units; reasons never quote more. */
export const MAX_REASON_CHARS = 300;
/** Longest raw input kept in a dead letter, in UTF-8 bytes. */
export const MAX_RAW_BYTES = 16 * 1024;

// each part of a reason is cut so that three issues still fit in MAX_REASON_CHARS
const MAX_PATH_PART = 40;
const MAX_ISSUE_MESSAGE = 120;

export type ParseResult = { ok: true; event: CityEvent } | { ok: false; code: ErrorCode; reason: string };

/**
 * Validates anything against the canonical envelope and says why it is rejected.
 * The reason names the failing field path, e.g. `payload.value: expected number`, and is at most
 * MAX_REASON_CHARS long whatever the input (keys and values are quoted cut short).
 * An input longer than MAX_EVENT_BYTES as JSON is rejected before the schema sees it.
 */
export function parseCityEvent(input: unknown): ParseResult {
  if (typeof input === 'object' && input !== null && 'v' in input && (input as { v: unknown }).v !== ENVELOPE_VERSION) {
    return {
      ok: false,
      code: ErrorCodes.EVT_UNSUPPORTED_VERSION,
      reason: capReason(
        `v: unsupported envelope version ${preview((input as { v: unknown }).v)}, expected ${ENVELOPE_VERSION}`,
      ),
    };
  }
  if (jsonLongerThan(input, MAX_EVENT_BYTES)) {
    return {
      ok: false,
      code: ErrorCodes.EVT_TOO_LARGE,
      reason: `(root): the event is longer than ${MAX_EVENT_BYTES} bytes as JSON`,
    };
  }
  const result = CityEvent.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, code: ErrorCodes.EVT_SCHEMA, reason: issuesReason(result.error.issues) };
}

/**
 * Why a zod schema refused a value: its first three issues as `path: message`, each part cut short,
 * the whole at most MAX_REASON_CHARS. Every schema of the package words its refusals this way.
 */
export function issuesReason(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const reason = issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path.length ? i.path.map((p) => capText(String(p), MAX_PATH_PART)).join('.') : '(root)';
      return `${path}: ${capText(i.message, MAX_ISSUE_MESSAGE)}`;
    })
    .join('; ');
  return capReason(reason);
}

/** A reason cut to MAX_REASON_CHARS. Every reason that may quote input passes through here. */
export function capReason(reason: string): string {
  return capText(reason, MAX_REASON_CHARS);
}

/** A dead-letter record: what was rejected, why, and where it came from. JSON on `city.dlq.v1`. */
export interface DeadLetter {
  code: ErrorCode;
  reason: string;
  source: string; // the boundary that rejected it: http, mqtt, kafka, replay ...
  receivedAt: string;
  /** the original input: the text as received, or the parsed value as JSON, cut to MAX_RAW_BYTES */
  raw: string;
  /** present (true) when `raw` was cut */
  truncated?: true;
}

/**
 * The dead letter for a rejected input. Safe for any input: a value of any depth or size is
 * written as JSON without recursion and cut at MAX_RAW_BYTES, the reason at MAX_REASON_CHARS.
 */
export function deadLetter(
  code: ErrorCode,
  reason: string,
  source: string,
  raw: unknown,
  now = new Date(),
): DeadLetter {
  let text: string;
  let truncated: boolean;
  if (typeof raw === 'string') {
    text = truncateUtf8(raw, MAX_RAW_BYTES);
    truncated = text.length < raw.length;
  } else {
    ({ text, truncated } = boundedJson(raw, MAX_RAW_BYTES));
  }
  return {
    code,
    reason: capReason(reason),
    source: capText(source, 64),
    receivedAt: now.toISOString(),
    raw: text,
    ...(truncated ? { truncated: true as const } : {}),
  };
}
