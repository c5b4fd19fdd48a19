import type { CityEventInput } from '@cityops/schema';
import type { TruthBook } from './truth.js';

export type SensorStatus = 'ok' | 'alarm' | 'offline' | 'heartbeat';

/** Where an event happened, as a source would say it: a point and, for road-bound sources, the segment. */
export interface Where {
  lon: number;
  lat: number;
  roadSegmentId?: string;
}

export interface EmitterOptions {
  /** makes ids unique per run: `s42` offline, a wall-clock run tag live */
  idPrefix: string;
  /** the event time written into the envelope for simulated time `t` */
  eventTimeOf: (t: number) => string;
  /** routine sensor readings beyond this many per simulated second are skipped */
  capPerSimSecond: number;
  truth: TruthBook;
  sink: (event: CityEventInput) => void;
}

/** Counts by what was emitted, for scenario.json and the live log. */
export interface EmitCounts {
  total: number;
  byType: Record<string, number>;
  byKind: Record<string, number>;
  /** routine readings skipped by the events-per-second cap */
  capped: number;
}

/**
 * Builds canonical envelopes (keys always in the same order, numbers rounded, so files are
 * byte-stable), numbers their ids, applies the events-per-second cap to routine readings only
 * (a ticket's lifecycle, a vehicle stop, a heartbeat and anything an incident produced are never
 * dropped, or ground truth and heartbeat monitoring would lie), and tags incident events.
 */
export class Emitter {
  private seq = 0;
  private tokens: number;
  private lastT = -Infinity;
  readonly counts: EmitCounts = { total: 0, byType: {}, byKind: {}, capped: 0 };

  constructor(private readonly opts: EmitterOptions) {
    this.tokens = opts.capPerSimSecond;
  }

  sensor(
    t: number,
    where: Where,
    code: string,
    p: { sensorId: string; kind: string; value: number; unit: string; status: SensorStatus },
    incidentIds?: readonly string[],
    /** never capped although its status is `ok` (a realistic feed's reading that a clean feed would flag `alarm`) */
    keep = false,
  ): string | undefined {
    const routine = p.status === 'ok' && !keep && !incidentIds?.length;
    this.refill(t);
    if (routine && this.tokens < 1) {
      this.counts.capped++;
      return undefined;
    }
    const payload = { sensorId: p.sensorId, kind: p.kind, value: p.value, unit: p.unit, status: p.status };
    const id = this.push(t, 'sim.sensors', 'sensor.reading', where, 'part', code, payload, incidentIds);
    this.count(this.counts.byKind, p.kind);
    return id;
  }

  hotline(
    t: number,
    where: Where,
    code: string,
    payload: {
      ticketId: string;
      stage: string;
      channel: string;
      summary: string;
      assignee?: string;
      satisfied?: boolean;
    },
    incidentIds?: readonly string[],
  ): string {
    this.refill(t);
    const id = this.push(t, 'hotline-12345', 'hotline.ticket', where, 'event', code, payload, incidentIds);
    this.count(this.counts.byKind, `ticket.${payload.stage}`);
    return id;
  }

  vehicle(
    t: number,
    where: Where,
    kind: 'part' | 'event',
    code: string,
    payload: {
      vehicleId: string;
      company?: string;
      state?: string;
      speedKmh?: number;
      inLoadingZone?: boolean;
      parcels?: number;
    },
    incidentIds?: readonly string[],
  ): string {
    this.refill(t);
    const id = this.push(t, 'sim.logistics', 'delivery.vehicle', where, kind, code, payload, incidentIds);
    this.count(this.counts.byKind, `vehicle.${payload.state ?? 'position'}`);
    return id;
  }

  private refill(t: number): void {
    if (t > this.lastT) {
      const cap = this.opts.capPerSimSecond;
      this.tokens = Math.min(cap, this.tokens + (Number.isFinite(this.lastT) ? ((t - this.lastT) / 1000) * cap : cap));
      this.lastT = t;
    }
  }

  private push(
    t: number,
    source: string,
    type: CityEventInput['type'],
    where: Where,
    kind: 'part' | 'event',
    code: string,
    payload: object,
    incidentIds: readonly string[] | undefined,
  ): string {
    this.seq += 1;
    this.tokens -= 1;
    const id = `${this.opts.idPrefix}-${this.seq.toString(36)}`;
    const location: Where = { lon: where.lon, lat: where.lat };
    if (where.roadSegmentId !== undefined) location.roadSegmentId = where.roadSegmentId;
    const event = {
      v: 1,
      id,
      source,
      type,
      eventTime: this.opts.eventTimeOf(t),
      location,
      category: { kind, code },
      payload,
    } as CityEventInput;
    this.opts.sink(event);
    this.counts.total++;
    this.count(this.counts.byType, type);
    if (incidentIds) for (const inc of incidentIds) this.opts.truth.tag(inc, id);
    return id;
  }

  private count(map: Record<string, number>, key: string): void {
    map[key] = (map[key] ?? 0) + 1;
  }
}

/** Rounds a reading to `d` decimals, so files stay small and stable. */
export const roundTo = (x: number, d: number): number => {
  const k = 10 ** d;
  return Math.round(x * k) / k;
};
