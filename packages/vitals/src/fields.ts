import type { KnownSources } from './sources.js';

/**
 * Counter field names inside a bucket. One event adds 1 to each of: the total, its district,
 * its street, its source and its type. Prefixes keep the dimensions apart in one hash per bucket.
 */
export const TOTAL_FIELD = 'total';

export interface CountedEvent {
  source: string;
  type: string;
  districtId: string | undefined;
  streetId?: string | undefined;
}

/**
 * The fields one event adds 1 to. With `known`, an unregistered source is counted as `other`, so
 * the number of source fields per bucket does not grow with names senders invent (district and
 * street come from the city pack, type from the envelope's enum).
 */
export function fieldsOf(e: CountedEvent, known?: KnownSources): string[] {
  return [
    TOTAL_FIELD,
    `d:${e.districtId ?? 'unresolved'}`,
    `st:${e.streetId ?? 'unresolved'}`,
    `s:${known ? known.countAs(e.source) : e.source}`,
    `t:${e.type}`,
  ];
}

export type Dimension = 'byDistrict' | 'byStreet' | 'bySource' | 'byType';

export const dimensionOfPrefix: ReadonlyMap<string, Dimension> = new Map([
  ['d', 'byDistrict'],
  ['st', 'byStreet'],
  ['s', 'bySource'],
  ['t', 'byType'],
]);
