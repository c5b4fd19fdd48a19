import type { Rng } from '../../prng.js';
import type { DeliveryFleet } from '../delivery.js';
import type { Hotline } from '../hotline.js';
import type { Agenda } from '../queue.js';
import type { SensorFleet } from '../sensors.js';
import type { GroundTruthRecord, IncidentPlace, IncidentType, TruthBook } from '../truth.js';
import type { World } from '../world.js';

/** What an incident injector may touch: the world, the agenda and the three activity generators. */
export interface IncidentContext {
  world: World;
  agenda: Agenda;
  rng: Rng;
  sensors: SensorFleet;
  hotline: Hotline;
  delivery: DeliveryFleet;
  truth: TruthBook;
  /** the end of the scenario in simulated time (Infinity live) */
  endMs: number;
  eventTimeOf: (t: number) => string;
  /** realistic feeds (README "Feeds"): what an injector may rely on being visible differs */
  realistic: boolean;
}

/** Injects one incident starting at `t`; returns its ground truth, or null when the city offers no place for it. */
export type Injector = (ctx: IncidentContext, id: string, t: number) => GroundTruthRecord | null;

/** The area chain of a point (which is always inside: injectors only pick points the world verified). */
export function placeAt(ctx: IncidentContext, lon: number, lat: number, roadId?: string): IncidentPlace {
  const where = ctx.world.index.locate(lon, lat);
  const chain = where.inside ? where : { gridId: '', streetId: '', districtId: '' };
  return {
    lon,
    lat,
    gridId: chain.gridId,
    streetId: chain.streetId,
    districtId: chain.districtId,
    ...(roadId ? { roadId } : {}),
  };
}

/** A ground-truth record with start/end as event times, clipped to the scenario's end. */
export function record(
  ctx: IncidentContext,
  id: string,
  type: IncidentType,
  place: IncidentPlace,
  start: number,
  end: number,
  details: Record<string, unknown>,
): GroundTruthRecord {
  const clipped = end > ctx.endMs;
  return {
    id,
    type,
    place,
    start: ctx.eventTimeOf(start),
    end: ctx.eventTimeOf(clipped ? ctx.endMs : end),
    clipped,
    eventIds: [],
    details,
  };
}
