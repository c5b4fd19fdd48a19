import { ErrorCodes, capReason, type ErrorCode } from '@cityops/schema';
import type { IngestItem } from './ingestor.js';

/**
 * Splits a request body into ingest items: a JSON array (each element one item), a single
 * JSON object, or NDJSON (one item per non-empty line; a bad line is one bad item, the other
 * lines still count). Returns an error only when a JSON body as a whole does not parse.
 * Messages are capped (capReason): V8's parse errors quote part of the input.
 * More than `maxItems` items is an error as a whole (E_HTTP_TOO_MANY_ITEMS): a body of a million
 * tiny items would otherwise hold the event loop for seconds and dead-letter a million times.
 */
export function parseBody(
  text: string,
  contentType: string,
  maxItems = Number.POSITIVE_INFINITY,
): { items: IngestItem[] } | { error: string; code: ErrorCode } {
  const tooMany = (): { error: string; code: ErrorCode } => ({
    error: `the body holds more than ${maxItems} events; send at most ${maxItems} per request (MAX_ITEMS_PER_REQUEST)`,
    code: ErrorCodes.HTTP_TOO_MANY_ITEMS,
  });
  const ndjson = /ndjson|jsonlines|x-jsonl/i.test(contentType);
  if (!ndjson) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { error: capReason(`body is not valid JSON: ${(err as Error).message}`), code: ErrorCodes.EVT_NOT_JSON };
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.length > maxItems) return tooMany();
    return { items: values.map((v) => ({ ok: true, value: v })) };
  }
  const items: IngestItem[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    if (items.length === maxItems) return tooMany();
    try {
      items.push({ ok: true, value: JSON.parse(trimmed) });
    } catch (err) {
      items.push({ ok: false, raw: trimmed, reason: capReason(`line is not valid JSON: ${(err as Error).message}`) });
    }
  }
  return { items };
}
