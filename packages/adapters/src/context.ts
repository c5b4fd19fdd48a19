import type { MapContext } from './types.js';

/** A pack's category mapping for one adapter (`mappings/<adapter>.json`), validated by @cityops/city. */
export interface CategoryMappingData {
  adapter: string;
  /** the catch-all taxonomy code for source codes without a mapping */
  fallback: string;
  /** source code → taxonomy code */
  codes: Record<string, string>;
}

/** The catch-all when a pack has no mapping file for an adapter: 其他事件 / 其他 (E.10.01). */
export const DEFAULT_FALLBACK_CODE = 'E.10.01';
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export interface MapContextOptions {
  timeZone?: string;
  mapping?: CategoryMappingData;
  /** device id → position (a device registry); may be empty */
  devices?: ReadonlyMap<string, { lon: number; lat: number }>;
  now?: () => number;
  /** told of every source code answered by the catch-all */
  onUnmapped?: (sourceCode: string) => void;
}

/** 部件 codes start with P, 事件 codes with E (the taxonomy's and the envelope's rule). */
export function kindOfCode(code: string): 'part' | 'event' {
  return code.startsWith('P') ? 'part' : 'event';
}

/** The MapContext an adapter's map() is given; the host makes one per adapter. */
export function createMapContext(o: MapContextOptions = {}): MapContext {
  const codes = new Map(Object.entries(o.mapping?.codes ?? {}));
  const fallback = o.mapping?.fallback ?? DEFAULT_FALLBACK_CODE;
  const devices = o.devices ?? new Map();
  return {
    timeZone: o.timeZone ?? DEFAULT_TIME_ZONE,
    category(sourceCode) {
      const code = codes.get(sourceCode);
      if (code !== undefined) return { category: { kind: kindOfCode(code), code }, mapped: true };
      o.onUnmapped?.(sourceCode);
      return { category: { kind: kindOfCode(fallback), code: fallback }, mapped: false };
    },
    devicePosition: (id) => devices.get(id),
    now: o.now ?? Date.now,
  };
}
