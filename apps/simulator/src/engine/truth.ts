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
 * Collects ground-truth records while the engine runs. Live mode does not retain them (it runs for
 * days); it only announces each incident as it starts.
 */
export class TruthBook {
  private readonly records = new Map<string, GroundTruthRecord>();
  private seq = 0;

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

  /** All records, in the order the incidents started. */
  all(): GroundTruthRecord[] {
    return [...this.records.values()];
  }
}
