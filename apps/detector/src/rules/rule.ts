import type { CityIndex, CityPack } from '@cityops/city';
import type { AlertPlace, AlertSeverity, AlertType, CityEvent } from '@cityops/schema';

/** A rule's parameter values: its pack settings over its defaults. */
export type RuleSettings = Record<string, number | string | boolean>;

export interface RuleEnv {
  /** @cityops/city spatial index: locate, nearestRoad, inLoadingZone ... */
  index: CityIndex;
  pack: CityPack;
  /** this rule's parameters (pack settings over defaults) */
  settings: RuleSettings;
  departments(
    categoryCode: string,
    place: { districtId: string; streetId?: string },
  ): { lead?: string; assist: string[] };
  /**
   * (superset) the id of a loading zone within `marginMeters` of the point, or null: `inLoadingZone`
   * with a margin for GPS noise (the zone's polygon grown by the margin, approximately).
   */
  loadingZoneNear(lon: number, lat: number, marginMeters: number): string | null;
  /** (superset) a road segment of the pack by id (speed limit, class, district), or undefined */
  road(roadId: string): RoadInfo | undefined;
  /** (superset) road segments within `radiusMeters` of the point, nearest first, at most `max` (default 8) */
  roadsNear(
    lon: number,
    lat: number,
    radiusMeters: number,
    max?: number,
  ): Array<{ roadId: string; distanceMeters: number }>;
}

/** (superset) what a rule may need of a road segment */
export interface RoadInfo {
  id: string;
  name: string;
  nameEn?: string;
  speedLimitKmh: number;
  districtId: string;
  /** the segment's middle [lon, lat] */
  mid: [number, number];
}

/** What a rule says about an alert; the framework turns drafts into AlertEvents (ids, seq, caps). */
export interface AlertDraft {
  /** stable per incident within the rule key (e.g. segmentId + first signal ms) */
  incidentKey: string;
  state: 'raised' | 'updated' | 'cleared';
  severity: AlertSeverity;
  place: AlertPlace;
  /** event-time ms */
  firstSignalAt: number;
  /** event-time ms at which this transition happened */
  detectedAt: number;
  categoryCode?: string;
  /** event ids newly added as evidence (framework caps and counts) */
  evidence: string[];
  subjects?: string[];
  summary: { zh: string; en: string };
  metrics?: Record<string, number>;
}

/**
 * (superset) A signal from one rule to another rule under a different key (e.g. road_blockage: a
 * vehicle's dwell on a segment → the segment's incident). The framework repartitions it through
 * the internal topic to the partition of `(to, key)` and calls the target rule's `signal`.
 */
export interface RuleSignal {
  /** the id of the rule that receives it */
  to: string;
  /** the key of the receiving rule's state */
  key: string;
  /** event time of the signal (ms) */
  at: number;
  /** what the signal says (JSON-serializable, small) */
  data: Record<string, unknown>;
}

/** undefined state = forget the key */
export interface RuleStep<S> {
  state: S | undefined;
  alerts: AlertDraft[];
  wakeAt?: number;
  /** (superset) signals to other rules (other keys) */
  signals?: RuleSignal[];
}

export interface Rule<S> {
  /** one rule may emit one type */
  type: AlertType;
  /**
   * (superset) 2 for a rule whose state is fed by signals of other rules (road_blockage's segment):
   * its timers wait until every partition that may signal it has passed the time (default 1)
   */
  level?: 1 | 2;
  /** (superset) a unique rule id when several rules share a type (default: `type`) */
  id?: string;
  /** the key this event's state lives under (vehicle, segment, sensor, feed, street×category); null = not for this rule */
  key(e: CityEvent, env: RuleEnv): string | null;
  /**
   * (superset) when present, used instead of `key`: every key the event is folded under (at most
   * 8), e.g. a complaint folded under each road segment near it.
   */
  keys?(e: CityEvent, env: RuleEnv): string[];
  /** fold one event, in event-time order per key (late ones possible: be robust), JSON-serializable state */
  step(state: S | undefined, e: CityEvent, env: RuleEnv, key?: string): RuleStep<S>;
  /** called when the key's wakeAt <= the watermark: timeouts, dwell thresholds, missed heartbeats, clears */
  wake(state: S, watermarkMs: number, env: RuleEnv, key?: string): RuleStep<S>;
  /** (superset) fold a signal sent to this rule by another rule (see RuleSignal) */
  signal?(state: S | undefined, signal: RuleSignal, env: RuleEnv): RuleStep<S>;
  // (superset) `key`, the 4th argument of step and wake, is the key the state lives under (the
  // framework always passes it; tests may leave it out).
  /** parameters with defaults and a one-line description each (documented in the README table) */
  parameters: Record<string, { default: number | string | boolean; description: string }>;
}

/** The id a rule's state and settings are kept under. */
export function ruleId(rule: Rule<unknown>): string {
  return rule.id ?? rule.type;
}

/** A rule of any state type, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRule = Rule<any>;
