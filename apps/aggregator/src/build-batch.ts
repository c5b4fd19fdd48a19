import type { ConsumedRecord } from '@cityops/bus';
import { ErrorCodes, deadLetter } from '@cityops/schema';
import type { CounterIncrement } from '@cityops/store';
import { bucketOf, fieldsOf, type KnownSources } from '@cityops/vitals';

export interface BuiltBatch {
  increments: CounterIncrement[];
  watermark: number | null;
  dropped: Record<string, number>;
  /** dead-letter records (JSON) for records on the topic that are not canonical events */
  deadLetters: string[];
  counted: number;
}

/**
 * Turns one partition's records into counter increments, summed per (bucket, field) so the
 * store's cost follows the number of distinct counters, not the number of events.
 *
 * Event time decides the bucket. The partition's watermark is the furthest event time seen;
 * an event older than `watermark - allowedLatenessMs` is dropped and counted under
 * E_EVT_TOO_LATE. Because the decision depends only on the partition's own order, a replay
 * from the log makes exactly the same decisions.
 *
 * Records were validated at ingest; here only the fields the windows use are checked, cheaply.
 * Anything else on the topic is dead-lettered with E_EVT_SCHEMA, never silently skipped.
 * With `known`, sources that no data team registered are counted as `other` (KNOWN_SOURCES).
 */
export function buildBatch(
  records: readonly ConsumedRecord[],
  startWatermark: number | null,
  allowedLatenessMs: number,
  known?: KnownSources,
): BuiltBatch {
  const sums = new Map<string, number>();
  const dropped: Record<string, number> = {};
  const deadLetters: string[] = [];
  let watermark = startWatermark;
  let counted = 0;

  for (const record of records) {
    const e = readEvent(record.value);
    if (typeof e === 'string') {
      dropped[ErrorCodes.EVT_SCHEMA] = (dropped[ErrorCodes.EVT_SCHEMA] ?? 0) + 1;
      deadLetters.push(
        JSON.stringify(
          deadLetter(
            ErrorCodes.EVT_SCHEMA,
            `${record.topic}/${record.partition}@${record.offset}: ${e}`,
            'kafka',
            record.value,
          ),
        ),
      );
      continue;
    }
    if (watermark !== null && e.t < watermark - allowedLatenessMs) {
      dropped[ErrorCodes.EVT_TOO_LATE] = (dropped[ErrorCodes.EVT_TOO_LATE] ?? 0) + 1;
      continue;
    }
    if (watermark === null || e.t > watermark) watermark = e.t;
    const bucket = bucketOf(e.t);
    for (const field of fieldsOf(e, known)) {
      const key = `${bucket}|${field}`;
      sums.set(key, (sums.get(key) ?? 0) + 1);
    }
    counted++;
  }

  const increments: CounterIncrement[] = [];
  for (const [key, by] of sums) {
    const sep = key.indexOf('|');
    increments.push({ bucket: Number(key.slice(0, sep)), field: key.slice(sep + 1), by });
  }
  return { increments, watermark, dropped, deadLetters, counted };
}

interface WindowedEvent {
  t: number;
  source: string;
  type: string;
  districtId: string | undefined;
  streetId: string | undefined;
}

function readEvent(value: string): WindowedEvent | string {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'not an object';
  const o = v as Record<string, unknown>;
  const t = typeof o.eventTime === 'string' ? Date.parse(o.eventTime) : NaN;
  if (!Number.isFinite(t)) return 'eventTime missing or not a time';
  if (typeof o.source !== 'string' || typeof o.type !== 'string') return 'source or type missing';
  const loc = o.location as Record<string, unknown> | undefined;
  const districtId = typeof loc?.districtId === 'string' ? loc.districtId : undefined;
  const streetId = typeof loc?.streetId === 'string' ? loc.streetId : undefined;
  return { t, source: o.source, type: o.type, districtId, streetId };
}
