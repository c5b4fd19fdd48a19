import type { Rng } from '../prng.js';
import { round6, metres, type World } from './world.js';

/** Where a vehicle is over time: waypoints with the simulated times it passes them (then it stands at the last). */
export interface Track {
  pts: [number, number][];
  ts: number[];
}

export const waypoints = (pts: [number, number][], ts: number[]): Track => ({ pts, ts });
export const stationary = (p: [number, number], t: number): Track => ({ pts: [p], ts: [t] });

/** The true position on a track at time `t` (linear between waypoints, standing before the first and after the last). */
export function trackAt(track: Track, t: number): [number, number] {
  const { pts, ts } = track;
  if (t <= ts[0]!) return pts[0]!;
  for (let i = 1; i < pts.length; i++) {
    if (t < ts[i]!) {
      const u = (t - ts[i - 1]!) / (ts[i]! - ts[i - 1]!);
      const a = pts[i - 1]!;
      const b = pts[i]!;
      return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u];
    }
  }
  return pts[pts.length - 1]!;
}

/** The true speed on a track at time `t`, km/h (0 while standing). */
export function speedAt(track: Track, t: number): number {
  const { pts, ts } = track;
  for (let i = 1; i < pts.length; i++) {
    if (t >= ts[i - 1]! && t < ts[i]!) {
      const a = pts[i - 1]!;
      const b = pts[i]!;
      return (metres(a[0], a[1], b[0], b[1]) / ((ts[i]! - ts[i - 1]!) / 1000)) * 3.6;
    }
  }
  return 0;
}

/** One tracker's character: how often it pings, how many pings are lost, how good its fixes are. */
export interface TrackerProfile {
  periodMs: number;
  dropRate: number;
  sigmaM: number;
  /** the tracker (its platform) reports a speed; most do not */
  speed: boolean;
}

/** The realistic-feed knobs of the tracker fleet (README "Feeds"). */
export const GPS = {
  /** ping period, uniform per tracker */
  periodMs: [15_000, 60_000],
  /** lost pings, uniform per tracker */
  dropRate: [0.05, 0.2],
  /** standard deviation per axis of a fix, metres, per tracker: errors of ~5-30 m */
  sigmaM: [4, 12],
  /** share of fixes that are outliers (multipath, a tunnel) */
  outlierRate: 0.02,
  /** outlier error, metres */
  outlierM: [50, 100],
  /** share of trackers that report a speed */
  speedShare: 0.35,
  /** jitter of a ping's period, +- share */
  jitter: 0.15,
} as const;

export interface Fix {
  lon: number;
  lat: number;
  speedKmh?: number;
}

/**
 * GPS trackers as a logistics platform forwards them: a position every 15-60 s per van, some pings
 * lost, errors of a few to 30 m with occasional 50-100 m outliers, and a speed from some trackers
 * only. Nothing about stopping, unloading or loading zones. Its own random stream, so the fleet's
 * movements do not depend on it.
 */
export class GpsTracker {
  constructor(
    private readonly world: World,
    private readonly rng: Rng,
  ) {}

  profile(): TrackerProfile {
    const r = this.rng;
    return {
      periodMs: Math.round(r.range(GPS.periodMs[0], GPS.periodMs[1])),
      dropRate: r.range(GPS.dropRate[0], GPS.dropRate[1]),
      sigmaM: r.range(GPS.sigmaM[0], GPS.sigmaM[1]),
      speed: r.chance(GPS.speedShare),
    };
  }

  /** Delay of the first ping after the tracker is switched on. */
  offset(p: TrackerProfile): number {
    return this.rng.next() * p.periodMs;
  }

  interval(p: TrackerProfile): number {
    return Math.round(p.periodMs * (1 + GPS.jitter * (2 * this.rng.next() - 1)));
  }

  /** The fix sent at time `t`, or undefined when the ping is lost. Always a point inside the city. */
  fix(track: Track, t: number, p: TrackerProfile): Fix | undefined {
    const r = this.rng;
    if (r.chance(p.dropRate)) return undefined;
    const [lon, lat] = trackAt(track, t);
    let ex: number;
    let ey: number;
    if (r.chance(GPS.outlierRate)) {
      const d = r.range(GPS.outlierM[0], GPS.outlierM[1]);
      const a = r.range(0, 2 * Math.PI);
      ex = d * Math.cos(a);
      ey = d * Math.sin(a);
    } else {
      ex = p.sigmaM * r.normal();
      ey = p.sigmaM * r.normal();
    }
    const kx = 111_320 * Math.cos((lat * Math.PI) / 180);
    let x = round6(lon + ex / kx);
    let y = round6(lat + ey / 110_540);
    if (!this.world.index.locate(x, y).inside) {
      // near the coast or the city's edge: the true point (or, off a corner, the last waypoint)
      const inside = this.world.index.locate(round6(lon), round6(lat)).inside;
      const q = inside ? [lon, lat] : track.pts[track.pts.length - 1]!;
      x = round6(q[0]!);
      y = round6(q[1]!);
    }
    const fix: Fix = { lon: x, lat: y };
    if (p.speed) fix.speedKmh = Math.max(0, Math.round(speedAt(track, t) * (1 + 0.08 * r.normal())));
    return fix;
  }
}
