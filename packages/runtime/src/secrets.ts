import { isSecretSetting, type Config } from '@cityops/config';

/** Values shorter than this are not scrubbed from text: they would blank out ordinary words. */
const MIN_SECRET_CHARS = 4;

export const REDACTED = '[redacted]';

/**
 * The secret values in a loaded config, as they could appear in a message: each API key, and of
 * the Redis URL its password and query values, both percent-encoded (as a URL prints them) and
 * decoded (as a client uses them). The rest of the URL (scheme, user, host, port) locates the
 * server and stays readable.
 */
export function secretsOf(config: Config): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(config)) {
    if (!isSecretSetting(name)) continue;
    for (const entry of Array.isArray(value) ? value : [value]) {
      // INGEST_API_KEYS holds { key, sources } entries
      const item: unknown = typeof entry === 'object' && entry !== null && 'key' in entry ? entry.key : entry;
      if (typeof item !== 'string') continue;
      for (const part of secretPartsOf(item)) if (part.length >= MIN_SECRET_CHARS) found.add(part);
    }
  }
  return [...found];
}

function secretPartsOf(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [value];
  }
  if (!url.host) return [value];
  const parts = [url.password, ...url.searchParams.values()];
  return parts.flatMap((p) => [p, encodeURIComponent(p), safeDecode(p)]).filter(Boolean);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `text` with every occurrence of every secret replaced; the longest first, so no fragment is left. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** Secrets in the order `scrub` needs them: longest first. */
export function orderSecrets(secrets: readonly string[]): string[] {
  return [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
}

/**
 * A copy of log fields with every string scrubbed; an Error becomes its type, message and stack
 * (scrubbed too). Bounded in depth: fields are written by our own code, not by senders.
 */
export function scrubFields(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return scrub(value, secrets);
  if (value instanceof Error) {
    return { type: value.name, message: scrub(value.message, secrets), stack: scrub(value.stack ?? '', secrets) };
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 6) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => scrubFields(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubFields(v, secrets, depth + 1);
  return out;
}
