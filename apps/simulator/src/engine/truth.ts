/** The kinds of incident the simulator can inject, each with a ground-truth record. */
export const INCIDENT_TYPES = ['road_blockage', 'flooding', 'light_outage', 'hotline_surge', 'feed_offline'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

/** Where an incident happened: a point, its area chain, and the road segment when it is on a road. */
export interface IncidentPlace {
  lon: number;
  lat: number;
  gridId: string;
  streetId: string;
  districtId: string;
  roadId?: string;
}

/**
 * The ground truth of one injected incident: what a detector should find. `eventIds` are the ids of
 * the events the incident produced (for a feed that went silent: none, see `details.sensorIds`).
 * `start`/`end` are ISO event times; `end` is clipped to the end of the scenario (`clipped: true`).
 */
export interface GroundTruthRecord {
  id: string;
  type: IncidentType;
  place: IncidentPlace;
  start: string;
  end: string;
  clipped: boolean;
  eventIds: string[];
  details: Record<string, unknown>;
}

/**
 * Confounders every city has: situations that look like an incident to a naive rule and must not
 * raise an alert (README "Decoys"). Each has its own ground-truth record, so a scorer can say how
 * many false alarms hit a decoy.
 */
export const DECOY_TYPES = [
  'legal_loading_stop',
  'short_carriageway_stop',
  'congestion',
  'parked_off_road',
  'hotline_hourly_swing',
  'light_day_off',
  'single_light_failure',
  'single_gauge_spike',
] as const;
export type DecoyType = (typeof DECOY_TYPES)[number];

/** The alert type a decoy could be mistaken for (what a scorer compares it with). */
export const DECOY_LOOKS_LIKE: Record<DecoyType, IncidentType> = {
  legal_loading_stop: 'road_blockage',
  short_carriageway_stop: 'road_blockage',
  congestion: 'road_blockage',
  parked_off_road: 'road_blockage',
  hotline_hourly_swing: 'hotline_surge',
  light_day_off: 'light_outage',
  single_light_failure: 'light_outage',
  single_gauge_spike: 'flooding',
};

/** A decoy's record: `details.scope: 'city'` when it is everywhere at once (light_day_off). */
export interface DecoyRecord {
  id: string;
  type: DecoyType;
  place: IncidentPlace;
  start: string;
  end: string;
  details: Record<string, unknown>;
}

/**
 * Collects ground-truth records while the engine runs. Live mode does not retain them (it runs for
 * days); it only announces each incident as it starts.
 */
export class TruthBook {
  private readonly records = new Map<string, GroundTruthRecord>();
  private readonly decoyRecords: DecoyRecord[] = [];
  private seq = 0;
  private decoySeq = 0;

  constructor(
    private readonly retain: boolean,
    private readonly onIncident?: (record: GroundTruthRecord) => void,
  ) {}

  nextId(type: IncidentType): string {
    this.seq += 1;
    return `inc-${String(this.seq).padStart(4, '0')}-${type}`;
  }

  open(record: GroundTruthRecord): void {
    if (this.retain) this.records.set(record.id, record);
    this.onIncident?.(record);
  }

  tag(incidentId: string, eventId: string): void {
    this.records.get(incidentId)?.eventIds.push(eventId);
  }

  nextDecoyId(type: DecoyType): string {
    this.decoySeq += 1;
    return `dec-${String(this.decoySeq).padStart(4, '0')}-${type}`;
  }

  decoy(record: DecoyRecord): void {
    if (this.retain) this.decoyRecords.push(record);
  }

  /** All decoys, in the order they were recorded. */
  decoys(): DecoyRecord[] {
    return [...this.decoyRecords];
  }

  /** All records, in the order the incidents started. */
  all(): GroundTruthRecord[] {
    return [...this.records.values()];
  }
}
