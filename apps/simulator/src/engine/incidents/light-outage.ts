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
  // a lamp that fails by day reads 0 W like every other lamp, in both feed modes (clean feeds add the
  // device's own `alarm`, which no rule may take as the sole reason), so an outage is seen only
  // while the lights are on: one entirely by day is not injected, and the record covers the part
  // that is visible. (Clean feeds used to inject and record daytime outages too: ground truth no
  // rule judging the values could find.)
  const visible = visibleWindow(t, t + duration);
  if (!visible) return null;
  let start = Infinity;
  for (const i of cluster) {
    const from = t + Math.round(rng.range(0, 3) * MINUTE);
    start = Math.min(start, Math.max(from, visible.from));
    sensors.addEffect(i, {
      incidentId: id,
      from: Math.max(from, visible.from),
      to: visible.to,
      value: () => 0,
      status: 'alarm',
    });
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
  return record(ctx, id, 'light_outage', placeAt(ctx, lon, lat, world.roads[road]!.id), start, visible.to, {
    sensorIds: cluster.map((i) => sensors.sensors[i]!.id),
    radiusMeters: RADIUS_M,
  });
};

/** The part of [from, to) when the street lights are on (the first such stretch), or null. */
export function visibleWindow(from: number, to: number): { from: number; to: number } | null {
  let a = from;
  while (a < to && !lightsOn(hourOfDay(a))) a += MINUTE;
  if (a >= to) return null;
  let b = a;
  while (b < to && lightsOn(hourOfDay(b))) b += MINUTE;
  return { from: a, to: Math.min(b, to) };
}
