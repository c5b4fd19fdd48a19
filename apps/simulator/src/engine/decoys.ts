import { DAY, HOUR, MINUTE, hourOfDay, lightsOn } from './clock.js';
import { BLOCKAGE_DWELL_MS } from './delivery.js';
import { placeAt, type IncidentContext } from './incidents/context.js';
import { visibleWindow } from './incidents/light-outage.js';
import type { DecoyRecord, DecoyType } from './truth.js';
import { ROAD_STEPS, round6 } from './world.js';

/**
 * Confounders every city has (README "Decoys"): each looks like an incident to a naive rule and
 * must not raise an alert; each gets a decoy record in the ground truth. Six kinds come as a
 * Poisson process (`decoysPerHour`, types taking turns in a seeded order); two are structural:
 * `hotline_hourly_swing` (the hour's busiest street × category of the ordinary hotline, recorded
 * once per hour) and `light_day_off` (every lamp reads 0 W by day, one record per day period).
 */
type DecoyInjector = (ctx: IncidentContext, id: string, t: number) => DecoyRecord | null;

/** A carriageway stop that stays under the threshold: at most this long, all vans together. */
const SHORT_STOP_MAX_MS = BLOCKAGE_DWELL_MS - 0.5 * MINUTE;
/** A van parked off the road stands at least this far from every road segment. */
const OFF_ROAD_MIN_M = 60;

function decoy(
  ctx: IncidentContext,
  id: string,
  type: DecoyType,
  place: DecoyRecord['place'],
  start: number,
  end: number,
  details: Record<string, unknown>,
): DecoyRecord {
  return {
    id,
    type,
    place,
    start: ctx.eventTimeOf(start),
    end: ctx.eventTimeOf(Math.min(end, ctx.endMs)),
    details: end > ctx.endMs ? { ...details, clipped: true } : details,
  };
}

/** A van stands in a loading zone far beyond the dwell threshold: legal, no blockage. */
const legalLoadingStop: DecoyInjector = (ctx, id, t) => {
  const { world, rng } = ctx;
  const roads = [...world.zonesByRoad.keys()];
  if (roads.length === 0) return null;
  const road = roads[rng.int(roads.length)]!;
  const zones = world.zonesByRoad.get(road)!;
  const zone = zones[rng.int(zones.length)]!;
  const vans = 1 + rng.int(2);
  const vehicleIds: string[] = [];
  let end = t;
  for (let i = 0; i < vans; i++) {
    const arriveAt = Math.round(t + 30_000 + i * rng.range(0.5, 4) * MINUTE);
    const departAt = Math.round(arriveAt + rng.range(12, 40) * MINUTE);
    end = Math.max(end, departAt);
    vehicleIds.push(
      ctx.delivery.scriptedStop(ctx.agenda, {
        road,
        at: { lon: zone.lon, lat: zone.lat, roadSegmentId: world.roads[road]!.id },
        from: world.roadPoint(road, 1),
        to: world.roadPoint(road, ROAD_STEPS - 1),
        arriveAt,
        departAt,
        legal: true,
        tags: [],
      }),
    );
  }
  return decoy(
    ctx,
    id,
    'legal_loading_stop',
    placeAt(ctx, zone.lon, zone.lat, world.roads[road]!.id),
    t + 30_000,
    end,
    {
      vehicleIds,
      zoneId: zone.id,
    },
  );
};

/** One or two vans stop on the carriageway, close to but under the threshold; the traffic may slow. */
const shortCarriagewayStop: DecoyInjector = (ctx, id, t) => {
  const { world, rng, sensors } = ctx;
  if (world.roads.length === 0) return null;
  const road = rng.int(world.roads.length);
  const k = rng.pick([1, 2, 3, 5, 6, 7]);
  const [lon, lat] = world.roadPoint(road, k);
  if (world.index.inLoadingZone(lon, lat) !== null) return null;
  const vans = 1 + (rng.chance(0.3) ? 1 : 0);
  const first = Math.round(t + 30_000);
  const vehicleIds: string[] = [];
  let end = first;
  for (let i = 0; i < vans; i++) {
    const arriveAt = first + (i === 0 ? 0 : Math.round(rng.range(0.2, 0.5) * MINUTE));
    const departAt = Math.min(first + SHORT_STOP_MAX_MS, Math.round(arriveAt + rng.range(6, 9.5) * MINUTE));
    end = Math.max(end, departAt);
    vehicleIds.push(
      ctx.delivery.scriptedStop(ctx.agenda, {
        road,
        at: { lon, lat, roadSegmentId: world.roads[road]!.id },
        from: world.roadPoint(road, Math.max(0, k - 1)),
        to: world.roadPoint(road, Math.min(ROAD_STEPS, k + 1)),
        arriveAt,
        departAt,
        legal: false,
        tags: [],
      }),
    );
  }
  const detectors = (sensors.byRoad.get(road) ?? []).filter((i) => sensors.sensors[i]!.kind === 'traffic_speed');
  const slowed = detectors.length > 0 && rng.chance(0.5);
  if (slowed) {
    for (const i of detectors) {
      const limit = sensors.sensors[i]!.speedLimit;
      sensors.addEffect(i, {
        incidentId: id,
        decoy: true,
        from: first + MINUTE,
        to: end,
        value: () => limit * rng.range(0.3, 0.5),
      });
    }
  }
  return decoy(ctx, id, 'short_carriageway_stop', placeAt(ctx, lon, lat, world.roads[road]!.id), first, end, {
    vehicleIds,
    dwellMinutes: Math.round(((end - first) / MINUTE) * 10) / 10,
    trafficSlowed: slowed,
  });
};

/** A segment's traffic slows to a crawl with no van standing on it (ordinary congestion). */
const congestionDecoy: DecoyInjector = (ctx, id, t) => {
  const { world, rng, sensors } = ctx;
  const roads = [...sensors.byRoad.entries()]
    .filter(([, list]) => list.some((i) => sensors.sensors[i]!.kind === 'traffic_speed'))
    .map(([r]) => r);
  if (roads.length === 0) return null;
  const road = roads[rng.int(roads.length)]!;
  const duration = Math.round(rng.range(10, 30) * MINUTE);
  const detectors = sensors.byRoad.get(road)!.filter((i) => sensors.sensors[i]!.kind === 'traffic_speed');
  for (const i of detectors) {
    const limit = sensors.sensors[i]!.speedLimit;
    sensors.addEffect(i, {
      incidentId: id,
      decoy: true,
      from: t,
      to: t + duration,
      value: () => limit * rng.range(0.15, 0.35),
    });
  }
  const [lon, lat] = world.roadPoint(road, ROAD_STEPS / 2);
  return decoy(ctx, id, 'congestion', placeAt(ctx, lon, lat, world.roads[road]!.id), t, t + duration, {
    trafficSensorIds: detectors.map((i) => sensors.sensors[i]!.id),
    speedLimitKmh: world.roads[road]!.speedLimitKmh,
  });
};

/** A van stands for a long time in a depot or a car park, off the carriageway. */
const parkedOffRoad: DecoyInjector = (ctx, id, t) => {
  const { world, rng } = ctx;
  if (world.roads.length === 0) return null;
  for (let attempt = 0; attempt < 6; attempt++) {
    const road = rng.int(world.roads.length);
    const a = world.roadPoint(road, 0);
    const b = world.roadPoint(road, ROAD_STEPS);
    const [mx, my] = world.roadPoint(road, ROAD_STEPS / 2);
    const kx = 111_320 * Math.cos((my * Math.PI) / 180);
    const dx = (b[0] - a[0]) * kx;
    const dy = (b[1] - a[1]) * 110_540;
    const len = Math.hypot(dx, dy) || 1;
    const side = rng.chance(0.5) ? 1 : -1;
    const off = rng.range(80, 250);
    const lon = round6(mx + ((side * dy) / len) * (off / kx));
    const lat = round6(my - ((side * dx) / len) * (off / 110_540));
    if (!world.index.locate(lon, lat).inside || world.index.nearestRoad(lon, lat, OFF_ROAD_MIN_M) !== null) continue;
    const arriveAt = Math.round(t + 30_000);
    const departAt = Math.round(arriveAt + rng.range(30, 120) * MINUTE);
    const vehicleId = ctx.delivery.scriptedStop(ctx.agenda, {
      road,
      at: { lon, lat },
      from: [mx, my],
      to: [mx, my],
      arriveAt,
      departAt,
      legal: false,
      tags: [],
      parcelCarrier: false,
    });
    const nearest = world.index.nearestRoad(lon, lat, 1000);
    return decoy(ctx, id, 'parked_off_road', placeAt(ctx, lon, lat), arriveAt, departAt, {
      vehicleIds: [vehicleId],
      metersFromRoad: nearest ? Math.round(nearest.distanceMeters) : null,
      nearestRoadId: nearest?.roadId ?? null,
    });
  }
  return null;
};

/** One lamp fails at night: maintenance, not a cluster outage. */
const singleLightFailure: DecoyInjector = (ctx, id, t) => {
  const { rng, sensors } = ctx;
  const lights = sensors.byKind.get('street_light') ?? [];
  if (lights.length === 0 || !lightsOn(hourOfDay(t))) return null;
  const i = lights[rng.int(lights.length)]!;
  const visible = visibleWindow(t, t + Math.round(rng.range(30, 180) * MINUTE));
  if (!visible) return null;
  sensors.addEffect(i, {
    incidentId: id,
    decoy: true,
    from: visible.from,
    to: visible.to,
    value: () => 0,
    status: 'alarm',
  });
  const s = sensors.sensors[i]!;
  return decoy(
    ctx,
    id,
    'single_light_failure',
    placeAt(ctx, s.where.lon, s.where.lat, s.where.roadSegmentId),
    visible.from,
    visible.to,
    {
      sensorIds: [s.id],
    },
  );
};

/** One water gauge reads a spike for one or two readings (debris, a splash, a glitch): no flood. */
const singleGaugeSpike: DecoyInjector = (ctx, id, t) => {
  const { rng, sensors } = ctx;
  const gauges = sensors.byKind.get('water_level') ?? [];
  if (gauges.length === 0) return null;
  const i = gauges[rng.int(gauges.length)]!;
  const spike = rng.range(20, 40);
  const duration = Math.round((rng.chance(0.5) ? 5 : 10) * MINUTE);
  sensors.addEffect(i, { incidentId: id, decoy: true, from: t, to: t + duration, value: (n) => n + spike });
  const s = sensors.sensors[i]!;
  return decoy(ctx, id, 'single_gauge_spike', placeAt(ctx, s.where.lon, s.where.lat), t, t + duration, {
    sensorIds: [s.id],
    spikeCm: Math.round(spike * 10) / 10,
  });
};

const POISSON_DECOYS: Array<[DecoyType, DecoyInjector]> = [
  ['legal_loading_stop', legalLoadingStop],
  ['short_carriageway_stop', shortCarriagewayStop],
  ['congestion', congestionDecoy],
  ['parked_off_road', parkedOffRoad],
  ['single_light_failure', singleLightFailure],
  ['single_gauge_spike', singleGaugeSpike],
];

/**
 * Schedules the Poisson decoys at `perHour` and the structural ones. Live mode does not retain
 * ground truth, so the structural records are skipped there (they cost nothing to skip).
 */
export function scheduleDecoys(ctx: IncidentContext, perHour: number, t0: number): void {
  if (perHour <= 0) return;
  const order = [...POISSON_DECOYS];
  for (let i = order.length - 1; i > 0; i--) {
    const j = ctx.rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let turn = 0;
  const next = (t: number): void => {
    const [type, inject] = order[turn++ % order.length]!;
    const rec = inject(ctx, ctx.truth.nextDecoyId(type), t);
    // one that would begin after the scenario's end never shows: no record
    if (rec && Date.parse(rec.end) > Date.parse(rec.start)) ctx.truth.decoy(rec);
    ctx.agenda.at(t + ctx.rng.exp(perHour / HOUR), next);
  };
  ctx.agenda.at(t0 + ctx.rng.exp(perHour / HOUR), next);
  // the fleet's own long legal stops are the same confounder as the injected ones
  ctx.delivery.onLongLegalStop = (vehicleId, where, zoneId, from, to) => {
    if (from >= ctx.endMs) return;
    const place = placeAt(ctx, where.lon, where.lat, where.roadSegmentId);
    ctx.truth.decoy(
      decoy(ctx, ctx.truth.nextDecoyId('legal_loading_stop'), 'legal_loading_stop', place, from, to, {
        vehicleIds: [vehicleId],
        zoneId,
        routine: true,
      }),
    );
  };
  if (Number.isFinite(ctx.endMs)) {
    scheduleLightDayOff(ctx, t0);
    scheduleHourlySwing(ctx, t0);
  }
}

/** One record per day period (lamps off, 0 W everywhere) overlapping the scenario. */
function scheduleLightDayOff(ctx: IncidentContext, t0: number): void {
  if ((ctx.sensors.byKind.get('street_light') ?? []).length === 0) return;
  const centre = ctx.world.cells[Math.floor(ctx.world.cells.length / 2)];
  if (!centre) return;
  let t = t0;
  while (t < ctx.endMs) {
    while (t < ctx.endMs && lightsOn(hourOfDay(t))) t += MINUTE;
    if (t >= ctx.endMs) break;
    const from = t;
    while (t < ctx.endMs && !lightsOn(hourOfDay(t))) t += MINUTE;
    const id = ctx.truth.nextDecoyId('light_day_off');
    ctx.truth.decoy(
      decoy(ctx, id, 'light_day_off', placeAt(ctx, centre.lon, centre.lat), from, t, {
        scope: 'city',
        lights: (ctx.sensors.byKind.get('street_light') ?? []).length,
      }),
    );
    if (t - t0 > 8 * DAY) break;
  }
}

/**
 * Each simulated hour, the busiest street × category of the ordinary hotline (no incident's
 * tickets) is recorded when it had at least 3 tickets: that is the usual swing of the hour (a
 * noisy evening, the morning's garbage), not a surge. `expectedPerHour` is the model's own mean
 * for that pair at that hour.
 */
function scheduleHourlySwing(ctx: IncidentContext, t0: number): void {
  const counts = new Map<string, number>();
  ctx.hotline.onRoutineTicket = (_t, code, cell) => {
    const key = `${cell.streetId}|${code}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const close = (from: number, to: number): void => {
    let best: [string, number] | undefined;
    for (const e of counts) if (!best || e[1] > best[1] || (e[1] === best[1] && e[0] < best[0])) best = e;
    counts.clear();
    if (best && best[1] >= 3) {
      const [streetId, code] = best[0].split('|') as [string, string];
      const cells = ctx.world.cellsByStreet.get(streetId) ?? [];
      const c = ctx.world.cells[cells[Math.floor(cells.length / 2)]!];
      if (c) {
        const id = ctx.truth.nextDecoyId('hotline_hourly_swing');
        const expected = ctx.hotline.expectedPerHour(code, streetId, hourOfDay((from + to) / 2));
        ctx.truth.decoy(
          decoy(ctx, id, 'hotline_hourly_swing', placeAt(ctx, c.lon, c.lat), from, to, {
            category: code,
            streetId,
            tickets: best[1],
            expectedPerHour: Math.round(expected * 1000) / 1000,
          }),
        );
      }
    }
  };
  const firstEdge = Math.ceil((t0 + 1) / HOUR) * HOUR;
  let from = t0;
  for (let edge = firstEdge; from < ctx.endMs; edge += HOUR) {
    const a = from;
    const b = Math.min(edge, ctx.endMs);
    // runs just before the scenario's end too, so the last (partial) hour is closed
    ctx.agenda.at(b === ctx.endMs ? b - 1 : b, () => close(a, b));
    from = b;
  }
}
