import { capReason } from '@cityops/schema';
import type { IngestItem } from './ingestor.js';

/**
 * Splits a request body into ingest items: a JSON array (each element one item), a single
 * JSON object, or NDJSON (one item per non-empty line; a bad line is one bad item, the other
 * lines still count). Returns an error only when a JSON body as a whole does not parse.
 * Messages are capped (capReason): V8's parse errors quote part of the input.
 */
export function parseBody(text: string, contentType: string): { items: IngestItem[] } | { error: string } {
  const ndjson = /ndjson|jsonlines|x-jsonl/i.test(contentType);
  if (!ndjson) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { error: capReason(`body is not valid JSON: ${(err as Error).message}`) };
    }
    return { items: (Array.isArray(value) ? value : [value]).map((v) => ({ ok: true, value: v })) };
  }
  const items: IngestItem[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    try {
      items.push({ ok: true, value: JSON.parse(trimmed) });
    } catch (err) {
      items.push({ ok: false, raw: trimmed, reason: capReason(`line is not valid JSON: ${(err as Error).message}`) });
    }
  }
  return { items };
}
