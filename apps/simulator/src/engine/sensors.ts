import type { Rng } from '../prng.js';
import { HOUR, MINUTE, congestion, hourOfDay, lightsOn, peopleActivity } from './clock.js';
import { roundTo, type Emitter, type SensorStatus, type Where } from './emit.js';
import type { Agenda } from './queue.js';
import { ROAD_STEPS, round6, type World } from './world.js';

export type SensorKind = 'water_level' | 'manhole_cover' | 'street_light' | 'noise' | 'air_quality' | 'traffic_speed';

/** Per kind: taxonomy code (部件), unit, reporting period, share of the fleet, id prefix. */
const KINDS: Record<
  SensorKind,
  { code: string; unit: string; periodMs: number; share: number; abbr: string; alarmAbove?: number }
> = {
  traffic_speed: { code: 'P.02.10', unit: 'km/h', periodMs: MINUTE, share: 0.3, abbr: 'ts' },
  street_light: { code: 'P.02.01', unit: 'W', periodMs: 5 * MINUTE, share: 0.2, abbr: 'sl' },
  manhole_cover: { code: 'P.01.03', unit: 'deg', periodMs: 5 * MINUTE, share: 0.15, abbr: 'mh', alarmAbove: 15 },
  water_level: { code: 'P.01.10', unit: 'cm', periodMs: 5 * MINUTE, share: 0.15, abbr: 'wl', alarmAbove: 15 },
  noise: { code: 'P.03.06', unit: 'dB', periodMs: 2 * MINUTE, share: 0.1, abbr: 'ns', alarmAbove: 80 },
  air_quality: { code: 'P.03.05', unit: 'ug/m3', periodMs: 5 * MINUTE, share: 0.1, abbr: 'aq', alarmAbove: 115 },
};

/** Water levels at or above this depth (cm of ponding on the road) raise an alarm. */
export const WATER_ALARM_CM = 15;
/** Traffic speed below this share of the speed limit raises an alarm. */
export const TRAFFIC_ALARM_SHARE = 0.25;
/** Every sensor proves it is alive at least this often (a heartbeat, or a status message for the heartbeat-only kinds). */
export const HEARTBEAT_MS = 10 * MINUTE;

/**
 * A temporary change an incident makes to one sensor: a different reading, a forced status, a faster
 * period, or silence (the feed is down). Events shaped by an effect are tagged with its incident.
 */
export interface SensorEffect {
  incidentId: string;
  from: number;
  to: number;
  value?: (normal: number, t: number) => number;
  status?: SensorStatus;
  silent?: boolean;
  periodMs?: number;
  /** a decoy's effect: its events are not tagged as an incident's */
  decoy?: boolean;
}

export interface Sensor {
  id: string;
  kind: SensorKind;
  /** the feed it reports through: one vendor feed per kind and district */
  group: string;
  districtId: string;
  where: Where;
  roadIndex?: number;
  speedLimit: number;
  /** per-sensor character: free-flow share, base level, rated power ... */
  base: number;
  battery: number;
  nextHeartbeat: number;
  offlineUntil: number;
  effects: SensorEffect[];
}

/** Background failures: a sensor drops off (and says so once) about once in 250 hours. */
const OFFLINE_PER_HOUR = 0.004;

/**
 * The IoT fleet: fixed sensors placed on the pack (traffic speed and street lights on road
 * segments, water gauges clustered in low-lying streets, the rest at grid cells), each reporting on
 * its own period with a diurnal pattern and noise, sending heartbeats, and now and then going offline.
 */
export class SensorFleet {
  readonly sensors: Sensor[] = [];
  readonly byRoad = new Map<number, number[]>();
  readonly byGroup = new Map<string, number[]>();
  readonly byKind = new Map<SensorKind, number[]>();

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly emitter: Emitter,
    count: number,
    /** realistic feeds: devices send values and heartbeats, never their own `alarm` verdict */
    private readonly realistic = false,
  ) {
    const kinds = Object.keys(KINDS) as SensorKind[];
    const counts = kinds.map((k) => Math.round(count * KINDS[k].share));
    counts[0]! += count - counts.reduce((a, b) => a + b, 0);
    kinds.forEach((k, i) => this.place(k, counts[i]!));
  }

  private add(kind: SensorKind, districtId: string, where: Where, roadIndex?: number): void {
    const n = this.sensors.length;
    const road = roadIndex === undefined ? undefined : this.world.roads[roadIndex]!;
    const base =
      kind === 'traffic_speed'
        ? this.rng.range(0.85, 1)
        : kind === 'street_light'
          ? this.rng.range(100, 250)
          : kind === 'water_level'
            ? this.rng.range(0.3, 2.5)
            : kind === 'air_quality'
              ? this.rng.range(18, 40)
              : this.rng.range(40, 48);
    const s: Sensor = {
      id: `${KINDS[kind].abbr}-${districtId.replace(/^sh-/, '')}-${String(n).padStart(5, '0')}`,
      kind,
      group: `${kind}@${districtId}`,
      districtId,
      where,
      speedLimit: road?.speedLimitKmh ?? 0,
      base,
      battery: this.rng.range(60, 100),
      nextHeartbeat: 0,
      offlineUntil: 0,
      effects: [],
      ...(roadIndex === undefined ? {} : { roadIndex }),
    };
    this.sensors.push(s);
    push(this.byGroup, s.group, n);
    push(this.byKind, kind, n);
    if (roadIndex !== undefined) push(this.byRoad, roadIndex, n);
  }

  private place(kind: SensorKind, count: number): void {
    const w = this.world;
    if (count === 0) return;
    if (kind === 'traffic_speed' || kind === 'street_light') {
      // traffic detectors one per segment, at its middle; street lights four to a segment
      const perRoad = kind === 'traffic_speed' ? 1 : 4;
      const used = new Set<number>();
      let placed = 0;
      for (let tries = 0; placed < count && tries < count * 20 && w.roads.length; tries++) {
        const ri = this.rng.weighted(w.roadCum);
        if (used.has(ri)) continue;
        used.add(ri);
        for (let j = 0; j < perRoad && placed < count; j++, placed++) {
          const k = perRoad === 1 ? ROAD_STEPS / 2 : 1 + 2 * j;
          const [lon, lat] = w.roadPoint(ri, k);
          // the district of the point itself: a segment on a border is filed under one side only
          const at = w.index.locate(lon, lat);
          const districtId = at.inside ? at.districtId : w.roads[ri]!.districtId;
          this.add(kind, districtId, { lon, lat, roadSegmentId: w.roads[ri]!.id }, ri);
        }
      }
      return;
    }
    if (kind === 'water_level') {
      // gauges come in clusters: a low-lying street gets several, so a flood shows on more than one
      let placed = 0;
      while (placed < count && w.streetIds.length) {
        const cells = w.cellsByStreet.get(w.streetIds[this.rng.weighted(w.streetCum)]!)!;
        const n = Math.min(count - placed, 3 + this.rng.int(4), cells.length);
        const start = this.rng.int(cells.length);
        for (let j = 0; j < n; j++, placed++) {
          const c = w.cells[cells[(start + j * 2) % cells.length]!]!;
          this.add(kind, c.districtId, this.jitter(c.lon, c.lat));
        }
      }
      return;
    }
    for (let j = 0; j < count && w.cells.length; j++) {
      const c = w.cells[this.rng.weighted(w.cellCum)]!;
      this.add(kind, c.districtId, this.jitter(c.lon, c.lat));
    }
  }

  /** A point near a cell centre, kept only if it is still inside the city. */
  private jitter(lon: number, lat: number): Where {
    const x = round6(lon + this.rng.range(-0.0006, 0.0006));
    const y = round6(lat + this.rng.range(-0.0006, 0.0006));
    return this.world.index.locate(x, y).inside ? { lon: x, lat: y } : { lon, lat };
  }

  /** Puts every sensor on the agenda, spread over its first period. */
  start(agenda: Agenda, t0: number): void {
    this.sensors.forEach((s, i) => {
      const first = t0 + Math.floor(this.rng.next() * KINDS[s.kind].periodMs);
      s.nextHeartbeat = first;
      agenda.at(first, (t) => this.step(agenda, i, t));
    });
  }

  addEffect(index: number, effect: SensorEffect): void {
    this.sensors[index]!.effects.push(effect);
  }

  private step(agenda: Agenda, i: number, t: number): void {
    const s = this.sensors[i]!;
    const spec = KINDS[s.kind];
    if (s.effects.length) s.effects = s.effects.filter((e) => e.to > t);
    const active = s.effects.filter((e) => e.from <= t);
    const period = Math.min(spec.periodMs, ...active.map((e) => e.periodMs ?? Infinity));
    const next = (at: number) => agenda.at(at, (tt) => this.step(agenda, i, tt));

    if (active.some((e) => e.silent)) return next(t + period);
    if (this.rng.chance((OFFLINE_PER_HOUR * spec.periodMs) / HOUR)) {
      // a single device drops off: the platform reports it once, then the device is silent
      this.emitter.sensor(t, s.where, spec.code, {
        sensorId: s.id,
        kind: s.kind,
        value: 0,
        unit: spec.unit,
        status: 'offline',
      });
      s.offlineUntil = t + Math.max(20 * MINUTE, this.rng.logNormal(90 * MINUTE, 0.6));
      s.nextHeartbeat = s.offlineUntil;
      return next(s.offlineUntil);
    }

    const shaping = active.filter((e) => e.value || e.status);
    let value = this.normalValue(s, t);
    for (const e of shaping) if (e.value) value = e.value(value, t);
    value = roundTo(Math.max(0, value), 1);
    const forced = shaping.find((e) => e.status)?.status;
    const heartbeatOnly = s.kind === 'manhole_cover' || s.kind === 'street_light';
    let status: SensorStatus = forced ?? (this.isAlarm(s, value) ? 'alarm' : heartbeatOnly ? 'heartbeat' : 'ok');
    const flagged = status === 'alarm';
    if (flagged && this.realistic) status = heartbeatOnly ? 'heartbeat' : 'ok';
    const tags = shaping.filter((e) => !e.decoy).map((e) => e.incidentId);
    this.emitter.sensor(
      t,
      s.where,
      spec.code,
      { sensorId: s.id, kind: s.kind, value, unit: spec.unit, status },
      tags,
      flagged || shaping.length > 0,
    );
    if (heartbeatOnly) s.nextHeartbeat = t + HEARTBEAT_MS;
    else if (t >= s.nextHeartbeat) {
      s.battery = Math.max(5, s.battery - 0.01);
      this.emitter.sensor(t, s.where, spec.code, {
        sensorId: s.id,
        kind: s.kind,
        value: roundTo(s.battery, 1),
        unit: '%',
        status: 'heartbeat',
      });
      s.nextHeartbeat = t + HEARTBEAT_MS;
    }
    next(t + period);
  }

  private isAlarm(s: Sensor, value: number): boolean {
    if (s.kind === 'traffic_speed') return value < TRAFFIC_ALARM_SHARE * s.speedLimit;
    const above = KINDS[s.kind].alarmAbove;
    return above !== undefined && value >= above;
  }

  /** The reading without any incident: the diurnal pattern plus noise. */
  private normalValue(s: Sensor, t: number): number {
    const h = hourOfDay(t);
    const n = this.rng.normal();
    switch (s.kind) {
      case 'traffic_speed': {
        const road = this.world.roads[s.roadIndex!]!;
        const sensitivity = road.roadClass === 'arterial' ? 0.6 : road.roadClass === 'secondary' ? 0.5 : 0.35;
        return Math.max(3, s.speedLimit * s.base * (1 - congestion(h) * sensitivity) * (1 + 0.06 * n));
      }
      case 'water_level':
        return s.base + 0.3 * n;
      case 'manhole_cover':
        // a rare knock (a truck over a loose cover) reads as a brief tilt alarm
        return this.rng.chance(0.0002) ? this.rng.range(20, 50) : Math.abs(0.4 * n);
      case 'street_light':
        return lightsOn(h) ? s.base * (1 + 0.02 * n) : 0;
      case 'noise':
        return s.base + 22 * peopleActivity(h) + 8 * congestion(h) + 2.5 * n;
      case 'air_quality':
        return s.base * (0.85 + 0.35 * congestion(h)) + 3 * n;
    }
  }
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
