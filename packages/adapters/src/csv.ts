import { ErrorCodes } from '@cityops/schema';
import type { BadItem, ParseOutcome } from './types.js';

/**
 * When an input object carries its text as received under this symbol (a CSV row), the host puts
 * that text in its dead letter instead of the object as JSON.
 */
export const RAW_TEXT: unique symbol = Symbol.for('cityops.adapter.rawText');

/** `value` with its text as received attached (not enumerable: map() and JSON never see it). */
export function withRawText<T extends object>(value: T, text: string): T {
  Object.defineProperty(value, RAW_TEXT, { value: text, enumerable: false });
  return value;
}

/** The text attached with withRawText, if any. */
export function rawTextOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const t = (value as { [RAW_TEXT]?: unknown })[RAW_TEXT];
  return typeof t === 'string' ? t : undefined;
}

/** Splits one CSV line into fields (RFC 4180 quotes: `"a,b"`, `""` inside quotes); undefined if a quote is left open. */
export function splitCsvLine(line: string, delimiter: string): string[] | undefined {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === delimiter) {
      out.push(field.trim());
      field = '';
    } else field += c;
  }
  if (quoted) return undefined;
  out.push(field.trim());
  return out;
}

/** The delimiter a header line uses: tab, semicolon or comma (the most frequent). */
export function guessDelimiter(header: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, header.split(d).length] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![0];
}

/**
 * A CSV body with a header row → one object per data row keyed by the header's names (as written,
 * BOM and surrounding spaces removed), each carrying its line's text (withRawText). A row whose
 * field count differs from the header's, or with an open quote, is a bad item (E_ADP_BAD_INPUT);
 * the other rows go on. No header, a header `checkHeader` refuses, or more than `maxRows` rows fails
 * the body as a whole.
 * Quoted fields may not span lines.
 */
export function parseCsv(
  text: string,
  o: { maxRows?: number; checkHeader?: (columns: string[]) => string | undefined } = {},
): ParseOutcome {
  const maxRows = o.maxRows ?? 5_000;
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (i === lines.length)
    return { ok: false, code: ErrorCodes.ADP_PARSE, reason: 'empty CSV body: a header row is needed' };
  const headerLine = lines[i]!.replace(/\r$/, '');
  const delimiter = guessDelimiter(headerLine);
  const header = splitCsvLine(headerLine, delimiter);
  if (!header || header.some((h) => h === '')) {
    return { ok: false, code: ErrorCodes.ADP_PARSE, reason: 'CSV header row: an empty or unterminated column name' };
  }
  const wrong = o.checkHeader?.(header);
  if (wrong !== undefined) return { ok: false, code: ErrorCodes.ADP_PARSE, reason: `CSV header row: ${wrong}` };
  const inputs: unknown[] = [];
  const bad: BadItem[] = [];
  for (let n = i + 1; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (inputs.length + bad.length >= maxRows) {
      return { ok: false, code: ErrorCodes.HTTP_TOO_MANY_ITEMS, reason: `more than ${maxRows} rows in one body` };
    }
    const fields = splitCsvLine(line, delimiter);
    if (!fields || fields.length !== header.length) {
      const why = fields ? `${fields.length} fields, the header has ${header.length}` : 'an unterminated quote';
      bad.push({ index: n + 1, raw: line, code: ErrorCodes.ADP_BAD_INPUT, reason: `line ${n + 1}: ${why}` });
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((h, k) => (row[h] = fields[k]!));
    inputs.push(withRawText(row, line));
  }
  return { ok: true, inputs, bad };
}
