import { MINUTE, hourOfDay, lightsOn } from '../clock.js';
import { ROAD_STEPS, metres } from '../world.js';
import type { Injector } from './context.js';
import { placeAt, record } from './context.js';

const RADIUS_M = 600;

/**
 * 路灯不亮, a cluster: every street light within RADIUS_M of a road segment's middle (a feeder
 * circuit) reports `alarm` with 0 W, starting within three minutes of each other, until repaired.
 * At night residents call it in (E.08.01).
 */
export const injectLightOutage: Injector = (ctx, id, t) => {
  const { rng, sensors, world } = ctx;
  const lights = sensors.byKind.get('street_light') ?? [];
  if (lights.length === 0) return null;
  const first = sensors.sensors[lights[rng.int(lights.length)]!]!;
  const road = first.roadIndex!;
  const [lon, lat] = world.roadPoint(road, ROAD_STEPS / 2);
  const cluster = lights.filter(
    (i) => metres(lon, lat, sensors.sensors[i]!.where.lon, sensors.sensors[i]!.where.lat) <= RADIUS_M,
  );
  const duration = Math.round(rng.range(40, 180) * MINUTE);
  let start = Infinity;
  for (const i of cluster) {
    const from = t + Math.round(rng.range(0, 3) * MINUTE);
    start = Math.min(start, from);
    sensors.addEffect(i, { incidentId: id, from, to: t + duration, value: () => 0, status: 'alarm' });
  }
  const cell = world.cellAt(lon, lat);
  if (cell && lightsOn(hourOfDay(t)) && ctx.hotline.knows('E.08.01')) {
    const calls = 1 + rng.int(2);
    for (let i = 0; i < calls; i++) {
      ctx.agenda.at(t + Math.round(rng.range(10, 30) * MINUTE), (tt) => {
        ctx.hotline.open(ctx.agenda, tt, 'E.08.01', cell, [id]);
      });
    }
  }
  return record(ctx, id, 'light_outage', placeAt(ctx, lon, lat, world.roads[road]!.id), start, t + duration, {
    sensorIds: cluster.map((i) => sensors.sensors[i]!.id),
    radiusMeters: RADIUS_M,
  });
};
