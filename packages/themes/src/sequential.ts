import { CityIndex, type CityPack } from '@cityops/city';
import { foldThemes, type RoadInfo, type VanFix } from './fold.js';
import { foldVans, type StopPlace } from './vans.js';

/** where a van stands, from the pack: a loading zone, within 25 m of a road segment, or off the road */
export function stopPlaceFromIndex(index: CityIndex): (lon: number, lat: number) => StopPlace {
  return (lon, lat) => (index.inLoadingZone(lon, lat) !== null ? 'lz' : index.nearestRoad(lon, lat, 25) ? 'cw' : 'off');
}

/**
 * Both themes folds run in one process over one ordered stream of events, as one partition each,
 * applying their outputs to in-memory state and gauges the way the runtime and the store do. For
 * offline work on an events file: the baseline seed, the cost bench's reference. Not a product
 * mode (the aggregator runs the folds on the stream runtime).
 */
export class SequentialThemes {
  readonly gauges = new Map<string, number>();
  watermark: number | null = null;
  private readonly events = { state: new Map<string, string>(), watermark: null as number | null, offset: 0 };
  private readonly vans = { state: new Map<string, string>(), watermark: null as number | null, offset: 0 };
  private readonly roads: Map<string, RoadInfo>;
  private readonly placeOf: (lon: number, lat: number) => StopPlace;

  constructor(
    private readonly pack: CityPack,
    private readonly index: CityIndex = new CityIndex(pack),
    private readonly allowedLatenessMs = 5 * 60_000,
  ) {
    this.roads = new Map(pack.roads.map((r) => [r.id, { roadClass: r.roadClass, speedLimitKmh: r.speedLimitKmh }]));
    this.placeOf = stopPlaceFromIndex(index);
  }

  /**
   * An event as ingest would put it on the topic: the grid chain resolved from lon/lat when the
   * line lacks it (a simulator file carries points only).
   */
  located(line: string): string {
    const e = JSON.parse(line) as { location?: { lon: number; lat: number; districtId?: string } };
    if (!e.location || e.location.districtId !== undefined) return line;
    const at = this.index.locate(e.location.lon, e.location.lat);
    if (!at.inside) return line;
    Object.assign(e.location, {
      gridId: at.gridId,
      communityId: at.communityId,
      streetId: at.streetId,
      districtId: at.districtId,
    });
    return JSON.stringify(e);
  }

  /** folds one batch of event JSON lines (in order) */
  push(lines: readonly string[]): void {
    const e = this.events;
    const out = foldThemes(
      { records: lines.map((value, i) => ({ offset: e.offset + i, value })), watermark: e.watermark, state: e.state },
      {
        timeZone: this.pack.meta.timeZone,
        roads: this.roads,
        allowedLatenessMs: this.allowedLatenessMs,
        vanTopic: 'v',
      },
    );
    e.offset += lines.length;
    this.apply(e, out);
    if (out.outgoing.length === 0) return;
    const v = this.vans;
    const fixes = out.outgoing.map((o) => o.value);
    const vout = foldVans(
      { records: fixes.map((value, i) => ({ offset: v.offset + i, value })), watermark: v.watermark, state: v.state },
      { allowedLatenessMs: this.allowedLatenessMs, placeOf: this.placeOf },
    );
    v.offset += fixes.length;
    this.apply(v, vout);
  }

  private apply(
    p: { state: Map<string, string>; watermark: number | null },
    out: {
      set: Array<[string, string]>;
      del: string[];
      gauges: Array<{ field: string; by: number }>;
      watermark: number | null;
    },
  ): void {
    for (const [k, val] of out.set) p.state.set(k, val);
    for (const k of out.del) p.state.delete(k);
    for (const { field, by } of out.gauges) {
      const n = (this.gauges.get(field) ?? 0) + by;
      if (n === 0) this.gauges.delete(field);
      else this.gauges.set(field, n);
    }
    if (out.watermark !== null && (p.watermark === null || out.watermark > p.watermark)) p.watermark = out.watermark;
    if (p === this.events) this.watermark = p.watermark;
  }
}

export type { VanFix };
