import { z } from 'zod';

/** A source name as the envelope spells it (`hotline-12345`, `sim.logistics`), or a prefix ending in `*`. */
const SOURCE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}\*?$/;
/** Shortest key accepted: 16 characters (about 96 bits when random base64). */
export const MIN_KEY_CHARS = 16;

/**
 * One ingest credential: the key, and the sources it may send as (`null`: any source, as a plain
 * key always could). A pattern ending in `*` is a prefix (`ngsi*` covers `ngsi-v2` and `ngsi-ld`).
 */
export interface IngestKey {
  key: string;
  sources: readonly string[] | null;
}

/**
 * `INGEST_API_KEYS`: `key1:ngsi-v2|open311,key2:sim.logistics,key3`. Each entry is a key (at
 * least 16 characters, no `:` or `,`), optionally followed by `:` and the `|`-separated sources
 * it may send as. A plain key sends as any source. The messages never quote a key.
 */
export const ingestKeyList = z.string().transform((s, ctx): IngestKey[] => {
  const entries = s
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (entries.length > 100) {
    ctx.addIssue({ code: 'custom', message: 'at most 100 keys' });
    return z.NEVER;
  }
  const out: IngestKey[] = [];
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const key = (colon < 0 ? entry : entry.slice(0, colon)).trim();
    if (key.length < MIN_KEY_CHARS) {
      ctx.addIssue({ code: 'custom', message: `each key must be at least ${MIN_KEY_CHARS} characters` });
      return z.NEVER;
    }
    if (colon < 0) {
      out.push({ key, sources: null });
      continue;
    }
    const sources = entry
      .slice(colon + 1)
      .split('|')
      .map((x) => x.trim());
    const bad = sources.find((x) => !SOURCE_PATTERN.test(x));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `key #${i + 1}: ${JSON.stringify(bad.slice(0, 70))} is not a source name (like ngsi-v2, sim.logistics or ngsi*; separate several with |)`,
      });
      return z.NEVER;
    }
    out.push({ key, sources });
  }
  return out;
});

export const singleKey = z.string().trim().min(MIN_KEY_CHARS, `must be at least ${MIN_KEY_CHARS} characters`);

export const mqttUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return ['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol) && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an mqtt://, mqtts://, ws:// or wss:// URL, e.g. mqtt://127.0.0.1:1883');

export const MQTT_FORMATS = ['senml', 'json', 'gps'] as const;
export type MqttFormat = (typeof MQTT_FORMATS)[number];

export interface MqttTopic {
  /** an MQTT topic filter (`+` one level, `#` the rest) */
  filter: string;
  /** how its payloads are read */
  format: MqttFormat;
}

/** Why `filter` is not a valid MQTT topic filter (MQTT 3.1.1 sec. 4.7), or undefined when it is. */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter === '') return 'is empty';
  if (Buffer.byteLength(filter) > 65535) return 'is longer than 65535 bytes';
  if (filter.includes('\u0000')) return 'holds a NUL character';
  const levels = filter.split('/');
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1))
      return '# must be a whole level and the last one (sensors/#)';
    if (level.includes('+') && level !== '+') return '+ must be a whole level (fleet/+/gps)';
  }
  return undefined;
}

/**
 * `MQTT_TOPICS`: a comma list of `filter=format`, e.g. `sensors/#=senml,fleet/+/gps=gps,city/+=json`.
 * Formats: `senml` (SenML JSON, RFC 8428), `json` (the documented plain JSON), `gps` (GPS rows).
 */
export const mqttTopicList = z.string().transform((s, ctx): MqttTopic[] => {
  const entries = s
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const out: MqttTopic[] = [];
  for (const entry of entries) {
    const eq = entry.lastIndexOf('=');
    const filter = eq < 0 ? entry : entry.slice(0, eq).trim();
    const format = eq < 0 ? '' : entry.slice(eq + 1).trim();
    const shown = JSON.stringify(entry.slice(0, 70));
    if (!(MQTT_FORMATS as readonly string[]).includes(format)) {
      ctx.addIssue({
        code: 'custom',
        message: `${shown}: each entry must be filter=format with format one of ${MQTT_FORMATS.join(', ')} (e.g. sensors/#=senml)`,
      });
      return z.NEVER;
    }
    const problem = topicFilterProblem(filter);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${shown}: the topic filter ${problem}` });
      return z.NEVER;
    }
    if (out.some((t) => t.filter === filter)) {
      ctx.addIssue({ code: 'custom', message: `${shown}: the topic filter is listed twice` });
      return z.NEVER;
    }
    out.push({ filter, format: format as MqttFormat });
  }
  if (out.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must list at least one filter=format' });
    return z.NEVER;
  }
  return out;
});

/** An MQTT client id: the broker keeps a QoS 1 session under it (clean: false), so it must be stable. */
export const mqttClientId = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9._-]{1,64}$/, 'letters, digits, . _ - only, at most 64');
