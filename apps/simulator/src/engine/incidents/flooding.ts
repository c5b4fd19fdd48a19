import { MINUTE } from '../clock.js';
import { metres } from '../world.js';
import type { Injector } from './context.js';
import { placeAt, record } from './context.js';

const RADIUS_M = 1500;

/**
 * 道路积水: water rises around one gauge and its neighbours within RADIUS_M. Each gauge's reading
 * climbs over 15-35 minutes to a peak (20-45 cm at the centre, less further out), holds, then
 * recedes over the last third; the gauges report every minute instead of every five while it lasts,
 * and turn to `alarm` above WATER_ALARM_CM. Callers report road flooding (E.05.01) once it is deep.
 */
export const injectFlooding: Injector = (ctx, id, t) => {
  const { rng, sensors } = ctx;
  const gauges = sensors.byKind.get('water_level') ?? [];
  if (gauges.length === 0) return null;
  const centre = sensors.sensors[gauges[rng.int(gauges.length)]!]!;
  const { lon, lat } = centre.where;
  const cluster = gauges.filter(
    (i) => metres(lon, lat, sensors.sensors[i]!.where.lon, sensors.sensors[i]!.where.lat) <= RADIUS_M,
  );

  const duration = Math.round(rng.range(60, 150) * MINUTE);
  const rise = rng.range(15, 35) * MINUTE;
  const holdUntil = duration * 0.65;
  const peak = rng.range(20, 45);
  for (const i of cluster) {
    const s = sensors.sensors[i]!;
    const p = peak * (1 - (0.5 * metres(lon, lat, s.where.lon, s.where.lat)) / RADIUS_M);
    const level = (tt: number): number => {
      const x = tt - t;
      if (x < rise) return (p * x) / rise;
      if (x < holdUntil) return p;
      return (p * (duration - x)) / (duration - holdUntil);
    };
    sensors.addEffect(i, {
      incidentId: id,
      from: t,
      to: t + duration,
      periodMs: MINUTE,
      value: (normal, tt) => normal + level(tt),
    });
  }

  const cell = ctx.world.cellAt(lon, lat);
  if (cell && ctx.hotline.knows('E.05.01')) {
    const calls = 1 + rng.int(4);
    for (let i = 0; i < calls; i++) {
      ctx.agenda.at(t + Math.round(rise * 0.7 + rng.range(0, 20) * MINUTE), (tt) => {
        ctx.hotline.open(ctx.agenda, tt, 'E.05.01', cell, [id]);
      });
    }
  }
  return record(ctx, id, 'flooding', placeAt(ctx, lon, lat), t, t + duration, {
    sensorIds: cluster.map((i) => sensors.sensors[i]!.id),
    peakCm: Math.round(peak * 10) / 10,
    radiusMeters: RADIUS_M,
  });
};
