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

export function fieldsOf(e: CountedEvent): string[] {
  return [
    TOTAL_FIELD,
    `d:${e.districtId ?? 'unresolved'}`,
    `st:${e.streetId ?? 'unresolved'}`,
    `s:${e.source}`,
    `t:${e.type}`,
  ];
}

export type Dimension = 'byDistrict' | 'byStreet' | 'bySource' | 'byType';

export const dimensionOfPrefix: Record<string, Dimension> = {
  d: 'byDistrict',
  st: 'byStreet',
  s: 'bySource',
  t: 'byType',
};
