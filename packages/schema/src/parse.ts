import { CityEvent, ENVELOPE_VERSION } from './envelope.js';
import { ErrorCodes, type ErrorCode } from './errors.js';

export type ParseResult = { ok: true; event: CityEvent } | { ok: false; code: ErrorCode; reason: string };

/**
 * Validates anything against the canonical envelope and says why it is rejected.
 * The reason names the failing field path, e.g. `payload.value: expected number`.
 */
export function parseCityEvent(input: unknown): ParseResult {
  if (typeof input === 'object' && input !== null && 'v' in input && (input as { v: unknown }).v !== ENVELOPE_VERSION) {
    return {
      ok: false,
      code: ErrorCodes.EVT_UNSUPPORTED_VERSION,
      reason: `v: unsupported envelope version ${JSON.stringify((input as { v: unknown }).v)}, expected ${ENVELOPE_VERSION}`,
    };
  }
  const result = CityEvent.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  const reason = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, code: ErrorCodes.EVT_SCHEMA, reason };
}

/** A dead-letter record: what was rejected, why, and where it came from. JSON on `city.dlq.v1`. */
export interface DeadLetter {
  code: ErrorCode;
  reason: string;
  source: string; // the boundary that rejected it: http, mqtt, kafka, replay ...
  receivedAt: string;
  raw: string; // the original input, truncated to a bounded size
}

const MAX_RAW = 16 * 1024;

export function deadLetter(
  code: ErrorCode,
  reason: string,
  source: string,
  raw: unknown,
  now = new Date(),
): DeadLetter {
  const text = typeof raw === 'string' ? raw : safeStringify(raw);
  return {
    code,
    reason,
    source,
    receivedAt: now.toISOString(),
    raw: text.length > MAX_RAW ? text.slice(0, MAX_RAW) : text,
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
