import { foldThemes, type RoadInfo, type ThemesFoldOutput, type VanFix } from '../fold.js';
import { foldVans, type StopPlace } from '../vans.js';
import { areaValues, byArea } from '../read.js';

export const TZ = 'Asia/Shanghai';
/** 2026-06-01 (a Monday) 12:00 UTC = 20:00 in Shanghai: dark */
export const EVENING = Date.UTC(2026, 5, 1, 12, 0, 0);
/** 2026-06-01 04:00 UTC = 12:00 in Shanghai: day */
export const NOON = Date.UTC(2026, 5, 1, 4, 0, 0);
export const MIN = 60_000;

export const ROADS = new Map<string, RoadInfo>([
  ['r-art', { roadClass: 'arterial', speedLimitKmh: 60 }],
  ['r-sec', { roadClass: 'secondary', speedLimitKmh: 40 }],
]);

interface Where {
  d?: string;
  st?: string;
  seg?: string;
  lon?: number;
  lat?: number;
}

export function sensor(
  t: number,
  sensorId: string,
  kind: string,
  value: number,
  w: Where = {},
  extra: { unit?: string; status?: string } = {},
) {
  return {
    eventTime: new Date(t).toISOString(),
    source: 'sim.sensors',
    type: 'sensor.reading',
    location: {
      lon: w.lon ?? 121.47,
      lat: w.lat ?? 31.23,
      districtId: w.d ?? 'sh-a',
      streetId: w.st ?? 'sh-a-1',
      ...(w.seg ? { roadSegmentId: w.seg } : {}),
    },
    category: { kind: 'part', code: 'P.01.10' },
    payload: { sensorId, kind, value, unit: extra.unit ?? 'x', status: extra.status ?? 'ok' },
  };
}

export function ticket(t: number, ticketId: string, stage: string, code = 'E.01.01', w: Where = {}) {
  return {
    eventTime: new Date(t).toISOString(),
    source: 'hotline-12345',
    type: 'hotline.ticket',
    location: { lon: 121.47, lat: 31.23, districtId: w.d ?? 'sh-a', streetId: w.st ?? 'sh-a-1' },
    category: { kind: 'event', code },
    payload: { ticketId, stage, channel: 'phone' },
  };
}

/** Applies fold outputs to a state map and gauges the way the runtime and the store do. */
export class EventsHarness {
  readonly state = new Map<string, string>();
  readonly gauges = new Map<string, number>();
  watermark: number | null = null;
  offset = 0;
  vanFixes: VanFix[] = [];

  fold(events: unknown[], apply = true): ThemesFoldOutput {
    const records = events.map((e, i) => ({ offset: this.offset + i, value: JSON.stringify(e) }));
    const out = foldThemes(
      { records, watermark: this.watermark, state: this.state },
      { timeZone: TZ, roads: ROADS, allowedLatenessMs: 10 * MIN, vanTopic: 'vans' },
    );
    if (apply) this.apply(out, records.length);
    return out;
  }

  apply(out: ThemesFoldOutput, n: number): void {
    this.offset += n;
    applyOutput(this, out);
    for (const o of out.outgoing) this.vanFixes.push(JSON.parse(o.value) as VanFix);
  }

  values(area = 'c', asOf = this.watermark!) {
    const areas = byArea(Object.fromEntries(this.gauges));
    return areaValues(areas.get(area), { asOf, timeZone: TZ, city: areas.get('c') });
  }
}

export class VansHarness {
  readonly state = new Map<string, string>();
  readonly gauges = new Map<string, number>();
  watermark: number | null = null;
  offset = 0;

  constructor(private readonly placeOf: (lon: number, lat: number) => StopPlace) {}

  fold(fixes: VanFix[]): ThemesFoldOutput {
    const records = fixes.map((f, i) => ({ offset: this.offset + i, value: JSON.stringify(f) }));
    const out = foldVans(
      { records, watermark: this.watermark, state: this.state },
      { allowedLatenessMs: 10 * MIN, placeOf: this.placeOf },
    );
    this.offset += records.length;
    applyOutput(this, out);
    return out;
  }

  values(area = 'c', asOf = this.watermark!) {
    const areas = byArea(Object.fromEntries(this.gauges));
    return areaValues(areas.get(area), { asOf, timeZone: TZ, city: areas.get('c') });
  }
}

function applyOutput(
  h: { state: Map<string, string>; gauges: Map<string, number>; watermark: number | null },
  out: ThemesFoldOutput,
): void {
  for (const [k, v] of out.set) h.state.set(k, v);
  for (const k of out.del) h.state.delete(k);
  for (const { field, by } of out.gauges) {
    const n = (h.gauges.get(field) ?? 0) + by;
    if (n === 0) h.gauges.delete(field);
    else h.gauges.set(field, n);
  }
  if (out.watermark !== null && (h.watermark === null || out.watermark > h.watermark)) h.watermark = out.watermark;
}
