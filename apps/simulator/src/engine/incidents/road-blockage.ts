import { MINUTE } from '../clock.js';
import { BLOCKAGE_DWELL_MS } from '../delivery.js';
import type { Injector } from './context.js';
import { placeAt, record } from './context.js';

/**
 * 快递占道 / 卸货堵路 (the Putuo case): one to three delivery vans stop on the carriageway of one road
 * segment, one after another, and each unloads for longer than BLOCKAGE_DWELL_MS; the segment's
 * traffic-speed detector drops to 12-28% of the limit while they are there; sometimes people call
 * 12345 about it a few minutes in. Clean feeds: only segments with a traffic detector are chosen,
 * so the speed drop is always visible; realistic feeds: 30% are on any segment (no speed to see).
 */
/** Realistic feeds: share of blockages on a segment that has no traffic detector. */
const UNWATCHED_SHARE = 0.3;

export const injectRoadBlockage: Injector = (ctx, id, t) => {
  const { world, rng, sensors } = ctx;
  const roads = [...sensors.byRoad.entries()]
    .filter(([, list]) => list.some((i) => sensors.sensors[i]!.kind === 'traffic_speed'))
    .map(([r]) => r);
  // realistic feeds: most segments of a city have no traffic detector, so some blockages have no speed drop to see
  const anywhere = ctx.realistic && world.roads.length > 0 && rng.chance(UNWATCHED_SHARE);
  if (roads.length === 0 && !anywhere) return null;
  const road = anywhere ? rng.int(world.roads.length) : roads[rng.int(roads.length)]!;
  const k = rng.pick([2, 3, 5, 6]);
  const [lon, lat] = world.roadPoint(road, k);
  if (world.index.inLoadingZone(lon, lat) !== null) return null;
  const roadId = world.roads[road]!.id;

  const n = 1 + rng.int(3);
  const arrivals: number[] = [];
  const departures: number[] = [];
  let at = t + 30_000;
  for (let i = 0; i < n; i++) {
    arrivals.push(Math.round(at));
    departures.push(Math.round(at + BLOCKAGE_DWELL_MS + rng.range(2, 20) * MINUTE));
    at += rng.range(0.5, 3) * MINUTE;
  }
  const start = arrivals[0]!;
  const end = Math.max(...departures);
  const vehicleIds = arrivals.map((a, i) => ctx.delivery.blockageVehicle(ctx.agenda, road, k, a, departures[i]!, id));

  const detectors = (sensors.byRoad.get(road) ?? []).filter((i) => sensors.sensors[i]!.kind === 'traffic_speed');
  const slowFrom = start + Math.round(rng.range(1, 2) * MINUTE);
  for (const i of detectors) {
    const limit = sensors.sensors[i]!.speedLimit;
    sensors.addEffect(i, { incidentId: id, from: slowFrom, to: end, value: () => limit * rng.range(0.12, 0.28) });
  }

  const complaints: string[] = [];
  const cell = world.cellAt(lon, lat);
  const code = ctx.hotline.knows('E.06.02') ? 'E.06.02' : undefined;
  if (cell && code && rng.chance(0.6)) {
    const calls = 1 + rng.int(3);
    for (let i = 0; i < calls; i++) {
      const callAt = Math.min(end - MINUTE, start + Math.round(rng.range(3, 12) * MINUTE));
      ctx.agenda.at(callAt, (tt) => {
        complaints.push(ctx.hotline.open(ctx.agenda, tt, code, cell, [id]));
      });
    }
  }
  return record(ctx, id, 'road_blockage', placeAt(ctx, lon, lat, roadId), start, end, {
    vehicleIds,
    dwellThresholdMinutes: BLOCKAGE_DWELL_MS / MINUTE,
    /** when the first van's dwell crossed the threshold: delay is measured from here */
    thresholdCrossedAt: ctx.eventTimeOf(start + BLOCKAGE_DWELL_MS),
    trafficSensorIds: detectors.map((i) => sensors.sensors[i]!.id),
    speedLimitKmh: world.roads[road]!.speedLimitKmh,
    complaintTicketIds: complaints,
  });
};
