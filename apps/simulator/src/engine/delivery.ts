import type { Rng } from '../prng.js';
import { type GpsTracker, type Track, stationary, trackAt, waypoints } from './gps.js';
import { MINUTE, congestion, foodActivity, hourOfDay, isRushHour, parcelActivity } from './clock.js';
import type { Emitter, Where } from './emit.js';
import type { Agenda } from './queue.js';
import { ROAD_STEPS, densityOf, metres, type World } from './world.js';

/** The logistics companies on the streets: share of the fleet, how often they use loading zones, their working day. */
export const COMPANIES = [
  { code: 'SF', name: '顺丰', share: 0.2, legal: 0.8, activity: parcelActivity },
  { code: 'ZTO', name: '中通', share: 0.19, legal: 0.5, activity: parcelActivity },
  { code: 'YTO', name: '圆通', share: 0.16, legal: 0.5, activity: parcelActivity },
  { code: 'STO', name: '申通', share: 0.08, legal: 0.45, activity: parcelActivity },
  { code: 'JD', name: '京东', share: 0.18, legal: 0.75, activity: parcelActivity },
  { code: 'Meituan', name: '美团', share: 0.19, legal: 0.3, activity: foodActivity },
] as const;
type Company = (typeof COMPANIES)[number];

/** Ordinary illegal stops stay under this; a vehicle dwelling longer on the carriageway is a road blockage. */
export const BLOCKAGE_DWELL_MS = 10 * MINUTE;
const MAX_ROUTINE_ILLEGAL_DWELL_MS = 8.5 * MINUTE;
const UNLOAD_REPORT_MS = MINUTE;
/** Where on a segment an ordinary carriageway stop happens (its middle is where loading zones are). */
const CARRIAGEWAY_POINTS = [1, 2, 3, 5, 6, 7] as const;
/** A van that left a stop less than this long ago does not stop again within RESTOP_MIN_M of it. */
const RESTOP_GAP_MS = 5 * MINUTE;
const RESTOP_MIN_M = 150;

/** Taxonomy codes: moving vans fall under 交通秩序 (large class), stops on the carriageway under 快递车辆占道卸货, stops in a bay under 装卸货区. */
export const DELIVERY_CODES = { moving: 'E.06', illegalStop: 'E.06.02', loadingZone: 'P.02.09' } as const;

interface Vehicle {
  id: string;
  company: Company;
  districtId: string;
  road: number;
  parcels: number;
  /** the vehicle works while its company's activity curve is above this */
  shift: number;
  legsToStop: number;
  onDuty: boolean;
  /** realistic feeds: where the van is going (waypoints in simulated time), and the tracker's state */
  track?: Track;
  tracking?: boolean;
  /** incident tags its pings carry (a blockage van's) */
  tags?: readonly string[];
  /** a scripted van (blockage, decoy) stops reporting at this time */
  trackUntil?: number;
  /** the last stop's point and end, so a driver does not stop again where they just left */
  lastStop?: { lon: number; lat: number; end: number };
}

/** How a scripted stop (a blockage van, a decoy) looks. */
export interface ScriptedStop {
  /** road the van is on (its `roadSegmentId` in clean feeds), or undefined for a stop off the road */
  road: number;
  /** where it stands */
  at: Where;
  /** where it comes from and drives off to */
  from: [number, number];
  to: [number, number];
  arriveAt: number;
  departAt: number;
  legal: boolean;
  tags: readonly string[];
  /** a food courier or a parcel carrier */
  parcelCarrier?: boolean;
}

/**
 * Delivery vehicles of several companies driving the road network: a random walk that mostly stays
 * in the home district, a position report per segment, and stops every few segments. A stop is
 * legal in a loading zone (装卸货区, `inLoadingZone: true`) when one is on the segment or the next
 * one and the driver bothers; otherwise it is on the carriageway, and more so at rush hour. Parcels
 * per stop follow the area's density. The fleet on the street follows the delivery peaks.
 */
export class DeliveryFleet {
  private readonly vehicles: Vehicle[] = [];
  private readonly perCompany = new Map<string, number>();
  /** told of every ordinary stop in a loading zone longer than the blockage threshold (a decoy) */
  onLongLegalStop?: (vehicleId: string, where: Where, zoneId: string, from: number, to: number) => void;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly emitter: Emitter,
    count: number,
    /** realistic feeds: positions only, from a GPS tracker (undefined: clean feeds) */
    private readonly gps?: GpsTracker,
  ) {
    if (world.roads.length === 0) return;
    const cum = COMPANIES.map((_, i) => COMPANIES.slice(0, i + 1).reduce((s, c) => s + c.share, 0));
    for (let i = 0; i < count; i++) {
      const company = COMPANIES[rng.weighted(cum)]!;
      const districtId = world.districtIds[rng.weighted(world.districtCum)]!;
      this.vehicles.push({
        id: this.nextId(company),
        company,
        districtId,
        road: this.homeRoad(districtId),
        parcels: this.load(company),
        shift: rng.range(0.05, 0.95),
        legsToStop: 1 + rng.int(4),
        onDuty: false,
      });
    }
  }

  private nextId(company: Company): string {
    const n = (this.perCompany.get(company.code) ?? 0) + 1;
    this.perCompany.set(company.code, n);
    return `${company.code}-${String(n).padStart(5, '0')}`;
  }

  private homeRoad(districtId: string): number {
    const roads = this.world.roadsByDistrict.get(districtId);
    return roads?.length ? roads[this.rng.int(roads.length)]! : this.rng.int(this.world.roads.length);
  }

  private load(company: Company): number {
    return company.code === 'Meituan' ? 2 + this.rng.int(6) : 80 + this.rng.int(160);
  }

  start(agenda: Agenda, t0: number): void {
    this.vehicles.forEach((v) =>
      agenda.at(t0 + Math.floor(this.rng.next() * 2 * MINUTE), (t) => this.drive(agenda, v, t)),
    );
  }

  private where(road: number, k: number): Where {
    const [lon, lat] = this.world.roadPoint(road, k);
    return { lon, lat, roadSegmentId: this.world.roads[road]!.id };
  }

  private drive(agenda: Agenda, v: Vehicle, t: number): void {
    const h = hourOfDay(t);
    if (v.company.activity(h) < v.shift) {
      // off shift: parked at the depot, silent; look again in ten minutes
      if (v.onDuty) {
        v.onDuty = false;
        v.road = this.homeRoad(v.districtId);
        delete v.track;
      }
      return agenda.at(t + 10 * MINUTE, (tt) => this.drive(agenda, v, tt));
    }
    v.onDuty = true;
    const road = this.world.roads[v.road]!;
    const speed = Math.max(5, road.speedLimitKmh * (1 - 0.55 * congestion(h)) * this.rng.range(0.55, 0.9));
    const travelMs = Math.round((this.world.roadLengthM[v.road]! / (speed / 3.6)) * 1000);
    const stopping = v.legsToStop <= 1;
    if (this.gps) this.driveTrack(agenda, v, t, travelMs, stopping);
    else this.emit(t, v, this.where(v.road, ROAD_STEPS / 2), 'moving', Math.round(speed), false);
    if (--v.legsToStop <= 0) return agenda.at(t + Math.round(travelMs / 2), (tt) => this.stop(agenda, v, tt));
    v.road = this.nextRoad(v);
    agenda.at(t + travelMs, (tt) => this.drive(agenda, v, tt));
  }

  /**
   * Realistic feeds: the van drives from where it is to the near end of its road, then along it to
   * the far end (or to the middle, where it will look for a place to stop), and its tracker pings.
   */
  private driveTrack(agenda: Agenda, v: Vehicle, t: number, travelMs: number, stopping: boolean): void {
    const a = this.world.roadPoint(v.road, 0);
    const b = this.world.roadPoint(v.road, ROAD_STEPS);
    const p = v.track ? trackAt(v.track, t) : a;
    const [entry, exit] = metres(p[0], p[1], a[0], a[1]) <= metres(p[0], p[1], b[0], b[1]) ? [a, b] : [b, a];
    const target = stopping ? this.world.roadPoint(v.road, ROAD_STEPS / 2) : exit;
    const legMs = stopping ? travelMs / 2 : travelMs;
    const toEntry = metres(p[0], p[1], entry[0], entry[1]);
    const along = metres(entry[0], entry[1], target[0], target[1]);
    const tEntry = t + Math.round((legMs * toEntry) / Math.max(1, toEntry + along));
    v.track = waypoints([p, entry, target], [t, tEntry, t + Math.round(legMs)]);
    this.startTracking(agenda, v, t);
  }

  private startTracking(agenda: Agenda, v: Vehicle, t: number): void {
    if (v.tracking || !this.gps) return;
    v.tracking = true;
    const gps = this.gps;
    const profile = gps.profile();
    const ping = (tt: number): void => {
      if (!v.onDuty || !v.track || (v.trackUntil !== undefined && tt > v.trackUntil)) {
        v.tracking = false;
        return;
      }
      const fix = gps.fix(v.track, tt, profile);
      if (fix) {
        const payload: { vehicleId: string; company: string; speedKmh?: number } = {
          vehicleId: v.id,
          company: v.company.code,
        };
        if (fix.speedKmh !== undefined) payload.speedKmh = fix.speedKmh;
        this.emitter.vehicle(tt, { lon: fix.lon, lat: fix.lat }, 'event', DELIVERY_CODES.moving, payload, v.tags);
      }
      agenda.at(tt + gps.interval(profile), ping);
    };
    agenda.at(t + Math.floor(this.gps.offset(profile)), ping);
  }

  private nextRoad(v: Vehicle): number {
    const adj = this.world.roadAdj[v.road]!;
    if (adj.length === 0) return this.homeRoad(v.districtId);
    const home = adj.filter((r) => this.world.roads[r]!.districtId === v.districtId);
    const pool = home.length && this.rng.chance(0.92) ? home : adj;
    return pool[this.rng.int(pool.length)]!;
  }

  private stop(agenda: Agenda, v: Vehicle, t: number): void {
    const h = hourOfDay(t);
    // at rush hour and at the delivery peak drivers cut corners
    const willing = v.company.legal * (isRushHour(h) ? 0.6 : 1) * (parcelActivity(h) > 0.8 ? 0.8 : 1);
    let zones = this.world.zonesByRoad.get(v.road);
    if (!zones && this.rng.chance(willing)) {
      const near = this.world.roadAdj[v.road]!.find((r) => this.world.zonesByRoad.has(r));
      if (near !== undefined) {
        v.road = near;
        zones = this.world.zonesByRoad.get(near);
      }
    }
    const legal = zones !== undefined && this.rng.chance(willing);
    let where: Where;
    let dwell: number;
    let zoneId: string | undefined;
    if (legal) {
      const z = zones![this.rng.int(zones!.length)]!;
      where = { lon: z.lon, lat: z.lat, roadSegmentId: this.world.roads[v.road]!.id };
      zoneId = z.id;
      dwell = this.rng.range(4, 14) * MINUTE;
    } else {
      let k = this.rng.pick(CARRIAGEWAY_POINTS);
      const last = v.lastStop;
      if (last && t - last.end < RESTOP_GAP_MS) {
        // a driver does not stop again at the spot they have just left: the road's point farthest from it
        const away = (j: number) => {
          const [lon, lat] = this.world.roadPoint(v.road, j);
          return metres(lon, lat, last.lon, last.lat);
        };
        if (away(k) < RESTOP_MIN_M) k = CARRIAGEWAY_POINTS.reduce((a, b) => (away(b) > away(a) ? b : a));
      }
      where = this.where(v.road, k);
      dwell = Math.min(MAX_ROUTINE_ILLEGAL_DWELL_MS, this.rng.range(1.5, isRushHour(h) ? 8.5 : 6.5) * MINUTE);
    }
    const end = t + Math.round(dwell);
    v.lastStop = { lon: where.lon, lat: where.lat, end };
    if (zoneId !== undefined && dwell > BLOCKAGE_DWELL_MS) this.onLongLegalStop?.(v.id, where, zoneId, t, end);
    if (this.gps && v.track) {
      // drive the last bit to the stop (through the shared junction when it is on the next road)
      const p = trackAt(v.track, t);
      const approach = Math.min(dwell / 3, (metres(p[0], p[1], where.lon, where.lat) / (25 / 3.6)) * 1000);
      v.track = stationaryAfter(p, [where.lon, where.lat], t, t + Math.round(approach));
    }
    const drop =
      v.company.code === 'Meituan'
        ? 1
        : Math.max(1, Math.round(densityOf(this.world.roads[v.road]!.districtId) * this.rng.range(3, 10)));
    this.unload(agenda, v, t, where, legal, Math.round(dwell), drop, [], () => {
      if (v.parcels < 3) v.parcels = this.load(v.company);
      v.legsToStop = 1 + this.rng.int(4);
      v.road = this.nextRoad(v);
      return true;
    });
  }

  /**
   * A stop: `stopped`, then an `unloading` report every minute until `dwell` is over, parcels going
   * down; then `after` runs and the vehicle drives on if it says so.
   */
  private unload(
    agenda: Agenda,
    v: Vehicle,
    t0: number,
    where: Where,
    legal: boolean,
    dwell: number,
    drop: number,
    tags: readonly string[],
    after: () => boolean,
  ): void {
    if (this.gps) {
      // the tracker reports positions only; the parcels still go
      v.parcels = Math.max(0, v.parcels - drop);
      agenda.at(t0 + dwell, (t) => {
        if (after()) this.drive(agenda, v, t);
      });
      return;
    }
    this.emit(t0, v, where, 'stopped', 0, legal, tags);
    const reports = Math.max(1, Math.floor(dwell / UNLOAD_REPORT_MS));
    const perReport = drop / reports;
    let delivered = 0;
    for (let i = 0; i < reports; i++) {
      agenda.at(t0 + 30_000 + i * UNLOAD_REPORT_MS, (t) => {
        const target = Math.round(perReport * (i + 1));
        v.parcels = Math.max(0, v.parcels - (target - delivered));
        delivered = target;
        this.emit(t, v, where, 'unloading', 0, legal, tags);
      });
    }
    agenda.at(t0 + dwell, (t) => {
      if (after()) this.drive(agenda, v, t);
    });
  }

  private emit(
    t: number,
    v: Vehicle,
    where: Where,
    state: 'moving' | 'stopped' | 'unloading',
    speedKmh: number,
    inLoadingZone: boolean,
    tags?: readonly string[],
  ): string {
    const moving = state === 'moving';
    const code =
      moving || where.roadSegmentId === undefined
        ? DELIVERY_CODES.moving
        : inLoadingZone
          ? DELIVERY_CODES.loadingZone
          : DELIVERY_CODES.illegalStop;
    return this.emitter.vehicle(
      t,
      where,
      moving || !inLoadingZone ? 'event' : 'part',
      code,
      { vehicleId: v.id, company: v.company.code, state, speedKmh, inLoadingZone, parcels: v.parcels },
      tags,
    );
  }

  /**
   * A scripted van (a road blockage's, or a decoy's): it comes from `from`, stands at `at` from
   * `arriveAt` until `departAt` and drives off to `to`, then ends its round (no further reports).
   * It is a vehicle like any other (same id scheme, same companies); its events carry `tags`.
   * Clean feeds: `moving`, `stopped`, `unloading` every minute, `moving` (as before). Realistic
   * feeds: its tracker's pings, from a minute and a half before arriving to a minute after leaving.
   */
  scriptedStop(agenda: Agenda, s: ScriptedStop): string {
    const carriers = s.parcelCarrier === false ? COMPANIES.length : COMPANIES.length - 1; // parcel carriers, not food delivery
    const company = COMPANIES[this.rng.int(carriers)]!;
    const districtId = this.world.roads[s.road]!.districtId;
    const v: Vehicle = {
      id: this.nextId(company),
      company,
      districtId,
      road: s.road,
      parcels: this.load(company),
      shift: 0,
      legsToStop: 1,
      onDuty: true,
      tags: s.tags,
    };
    const at: [number, number] = [s.at.lon, s.at.lat];
    if (this.gps) {
      const leaveMs = Math.round((metres(at[0], at[1], s.to[0], s.to[1]) / (20 / 3.6)) * 1000);
      v.track = waypoints(
        [s.from, at, at, s.to],
        [s.arriveAt - 90_000, s.arriveAt, s.departAt, s.departAt + Math.max(1000, leaveMs)],
      );
      v.trackUntil = s.departAt + Math.max(1000, leaveMs) + MINUTE;
      agenda.at(s.arriveAt - 90_000, (t) => this.startTracking(agenda, v, t));
      return v.id;
    }
    const fromWhere: Where = { lon: s.from[0], lat: s.from[1], roadSegmentId: this.world.roads[s.road]!.id };
    const toWhere: Where = { lon: s.to[0], lat: s.to[1], roadSegmentId: this.world.roads[s.road]!.id };
    agenda.at(s.arriveAt - 30_000, (t) => this.emit(t, v, fromWhere, 'moving', 12, false));
    agenda.at(s.arriveAt, (t) => {
      const drop = Math.round(this.rng.range(25, 60));
      this.unload(agenda, v, t, s.at, s.legal, s.departAt - s.arriveAt, drop, s.tags, () => false);
    });
    agenda.at(s.departAt, (t) => {
      this.emit(t, v, toWhere, 'moving', 10, false, s.tags);
    });
    return v.id;
  }

  /**
   * A road blockage's vehicle: arrives on road `road`, stops on the carriageway at point `k` and
   * unloads until its departure (beyond BLOCKAGE_DWELL_MS), then leaves.
   */
  blockageVehicle(
    agenda: Agenda,
    road: number,
    k: number,
    arriveAt: number,
    departAt: number,
    incidentId: string,
  ): string {
    const from = this.world.roadPoint(road, Math.max(0, k - 1));
    const to = this.world.roadPoint(road, Math.min(ROAD_STEPS, k + 1));
    return this.scriptedStop(agenda, {
      road,
      at: this.where(road, k),
      from: this.gps ? this.world.roadPoint(road, 0) : from,
      to: this.gps ? this.world.roadPoint(road, ROAD_STEPS) : to,
      arriveAt,
      departAt,
      legal: false,
      tags: [incidentId],
    });
  }
}

function stationaryAfter(from: [number, number], to: [number, number], t0: number, t1: number): Track {
  return t1 > t0 ? waypoints([from, to], [t0, t1]) : stationary(to, t0);
}
