import type { AlertEvent, AlertType } from '@cityops/schema';

/**
 * Scoring alerts against a scenario's ground truth (issue 9 part 4): per alert type, how many
 * incidents were found, how many alerts were false, how late the first alert came. Pure functions
 * over JSON, so they run on any detector's output and in unit tests with hand-made truths.
 */

/** A ground-truth incident as the simulator writes it (`ground-truth.json`, `incidents[]`). */
export interface TruthIncident {
  id: string;
  type: string;
  place: { lon: number; lat: number; gridId?: string; streetId?: string; districtId?: string; roadId?: string };
  start: string;
  end: string;
  clipped?: boolean;
  details: Record<string, unknown>;
}

/** A confounder that must not raise an alert (`ground-truth.json`, `decoys[]`). */
export interface TruthDecoy {
  id: string;
  type: string;
  place: TruthIncident['place'];
  start: string;
  end: string;
  details: Record<string, unknown>;
}

export interface GroundTruth {
  start: string;
  end: string;
  incidents: TruthIncident[];
  decoys?: TruthDecoy[];
}

/** The alert type each decoy could be mistaken for. */
export const DECOY_LOOKS_LIKE: Record<string, AlertType> = {
  legal_loading_stop: 'road_blockage',
  short_carriageway_stop: 'road_blockage',
  congestion: 'road_blockage',
  parked_off_road: 'road_blockage',
  hotline_hourly_swing: 'hotline_surge',
  light_day_off: 'light_outage',
  single_light_failure: 'light_outage',
  single_gauge_spike: 'flooding',
};

/** The alert types the simulator injects with ground truth; other types are listed but not scored. */
export const SCORED_TYPES = ['road_blockage', 'flooding', 'light_outage', 'hotline_surge', 'feed_offline'] as const;

export interface MatchOptions {
  /** an alert raised this long before an incident's start still matches it (default 5 min) */
  slackBeforeMs?: number;
  /** ... and this long after its end (default 10 min) */
  slackAfterMs?: number;
  /** blockage: same road segment, or within this many metres (default 150) */
  blockageMeters?: number;
  /** flooding: within this many metres of the incident's centre (default 1500), or a shared gauge */
  floodingMeters?: number;
  /** light outage: within this many metres (default 600), same segment, or a shared lamp */
  lightMeters?: number;
  /**
   * an incident whose reference time (threshold crossing, else start) is later than the
   * scenario's end minus this is not scored: no detector could be expected to report it (default 5 min)
   */
  endGraceMs?: number;
}

const DEFAULTS: Required<MatchOptions> = {
  slackBeforeMs: 5 * 60_000,
  slackAfterMs: 10 * 60_000,
  blockageMeters: 150,
  floodingMeters: 1500,
  lightMeters: 600,
  endGraceMs: 5 * 60_000,
};

/** One alert's life, folded from its events: the `raised` event (or the first seen) and the last. */
export interface AlertLife {
  alertId: string;
  type: AlertType;
  raised: AlertEvent;
  last: AlertEvent;
  /** every subject named by any of its events */
  subjects: Set<string>;
  cleared: boolean;
}

export interface TypeScore {
  type: string;
  incidents: number;
  found: number;
  recall: number | null;
  /** distinct alert ids of this type */
  alerts: number;
  /** alerts matching no incident */
  falseAlarms: number;
  /** of the false alarms, how many fell on a decoy */
  decoyHits: number;
  precision: number | null;
  /** extra alert ids for an incident already found */
  duplicates: number;
  /** seconds, from the reference time to the first matching alert's raise (negative: before it) */
  medianDelayS: number | null;
  p90DelayS: number | null;
  falseAlarmsPerHour: number;
  /** incidents left out because they began too close to the scenario's end */
  skipped: number;
  /** ids of missed incidents, false-alarm alert ids (for looking into) */
  missed: string[];
  falseAlarmIds: string[];
  /** decoy types hit, with counts */
  decoyHitsByType: Record<string, number>;
  delaysS: number[];
  hours: number;
}

export interface ScoreResult {
  hours: number;
  byType: TypeScore[];
  /** alert types that have no ground truth here (manhole_tilt, noise_night ...): alert counts only */
  unscored: Record<string, number>;
}

/** Folds alert events into one life per alertId (input in any order). */
export function alertLives(alerts: readonly AlertEvent[]): AlertLife[] {
  const lives = new Map<string, AlertLife>();
  const sorted = [...alerts].sort((a, b) => a.seq - b.seq);
  for (const a of sorted) {
    let life = lives.get(a.alertId);
    if (!life) {
      life = { alertId: a.alertId, type: a.type, raised: a, last: a, subjects: new Set(), cleared: false };
      lives.set(a.alertId, life);
    }
    if (a.state === 'raised' && life.raised.state !== 'raised') life.raised = a;
    life.last = a;
    if (a.state === 'cleared') life.cleared = true;
    for (const s of a.subjects ?? []) life.subjects.add(s);
  }
  return [...lives.values()].sort(
    (a, b) => ms(a.raised.detectedAt) - ms(b.raised.detectedAt) || (a.alertId < b.alertId ? -1 : 1),
  );
}

const ms = (iso: string): number => Date.parse(iso);

/** Distance in metres between two lon/lat points (flat earth, fine within a city). */
export function metres(aLon: number, aLat: number, bLon: number, bLat: number): number {
  const kx = 111_320 * Math.cos((((aLat + bLat) / 2) * Math.PI) / 180);
  return Math.hypot((bLon - aLon) * kx, (bLat - aLat) * 110_540);
}

const idsOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const overlaps = (subjects: Set<string>, ids: string[]): boolean => ids.some((id) => subjects.has(id));

/** When delay is measured from: a blockage's threshold crossing, else the start. */
export function referenceTime(r: TruthIncident): number {
  const crossed = r.details.thresholdCrossedAt;
  return typeof crossed === 'string' && Number.isFinite(ms(crossed)) ? ms(crossed) : ms(r.start);
}

/**
 * Whether an alert is about this incident or decoy by place (README "Matching"): the same road
 * segment or within `blockageMeters` for a blockage; within `floodingMeters` or a shared gauge for
 * flooding; within `lightMeters`, the same segment or a shared lamp for a light outage; the same
 * street (and, when the alert names one, the same category) for a hotline surge; a silent sensor in
 * common for a feed going offline. A decoy with `details.scope: 'city'` is everywhere.
 */
export function placeMatches(
  life: AlertLife,
  r: TruthIncident | TruthDecoy,
  type: string,
  o: Required<MatchOptions> = DEFAULTS,
): boolean {
  if (r.details.scope === 'city') return true;
  const p = life.raised.place;
  const d = metres(p.lon, p.lat, r.place.lon, r.place.lat);
  const sensors = idsOf(r.details.sensorIds);
  switch (type) {
    case 'road_blockage':
      return (r.place.roadId !== undefined && p.roadSegmentId === r.place.roadId) || d <= o.blockageMeters;
    case 'flooding':
      return d <= o.floodingMeters || overlaps(life.subjects, sensors);
    case 'light_outage':
      return (
        d <= o.lightMeters ||
        (r.place.roadId !== undefined && p.roadSegmentId === r.place.roadId) ||
        overlaps(life.subjects, sensors)
      );
    case 'hotline_surge': {
      const street = typeof r.details.streetId === 'string' ? r.details.streetId : r.place.streetId;
      const category = typeof r.details.category === 'string' ? r.details.category : undefined;
      const code = life.raised.categoryCode;
      return p.streetId !== undefined && p.streetId === street && (!code || !category || code === category);
    }
    case 'feed_offline':
      return overlaps(life.subjects, sensors);
    default:
      return false;
  }
}

function timeMatches(life: AlertLife, r: { start: string; end: string }, o: Required<MatchOptions>): boolean {
  const t = ms(life.raised.detectedAt);
  return t >= ms(r.start) - o.slackBeforeMs && t <= ms(r.end) + o.slackAfterMs;
}

/** Nearest-rank quantile of sorted numbers. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/**
 * Scores alert events against a ground truth. Each alert (one alertId) is matched to at most one
 * incident of its type: one it matches by place and time, preferring one not yet found, then the
 * nearest reference time. The first alert of an incident sets its delay; later ones are duplicates.
 * An alert matching no incident is a false alarm; it "hit a decoy" when a decoy of a kind that
 * looks like that type matches it by the same rules.
 */
export function scoreAlerts(
  truth: GroundTruth,
  alerts: readonly AlertEvent[],
  options: MatchOptions = {},
): ScoreResult {
  const o = { ...DEFAULTS, ...options };
  const hours = Math.max(1e-9, (ms(truth.end) - ms(truth.start)) / 3_600_000);
  const lives = alertLives(alerts);
  const unscored: Record<string, number> = {};
  for (const l of lives)
    if (!(SCORED_TYPES as readonly string[]).includes(l.type)) unscored[l.type] = (unscored[l.type] ?? 0) + 1;

  const byType = SCORED_TYPES.map((type): TypeScore => {
    const all = truth.incidents.filter((r) => r.type === type);
    const scorable = all.filter((r) => referenceTime(r) <= ms(truth.end) - o.endGraceMs);
    const late = all.filter((r) => !scorable.includes(r));
    const decoys = (truth.decoys ?? []).filter((d) => DECOY_LOOKS_LIKE[d.type] === type);
    const mine = lives.filter((l) => l.type === type);
    const firstAlert = new Map<string, AlertLife>();
    let duplicates = 0;
    let falseAlarms = 0;
    let decoyHits = 0;
    const falseAlarmIds: string[] = [];
    const decoyHitsByType: Record<string, number> = {};
    for (const life of mine) {
      const cands = all.filter((r) => placeMatches(life, r, type, o) && timeMatches(life, r, o));
      if (cands.length === 0) {
        falseAlarms++;
        falseAlarmIds.push(life.alertId);
        const hit = decoys.find((d) => placeMatches(life, d, type, o) && timeMatches(life, d, o));
        if (hit) {
          decoyHits++;
          decoyHitsByType[hit.type] = (decoyHitsByType[hit.type] ?? 0) + 1;
        }
        continue;
      }
      const t = ms(life.raised.detectedAt);
      cands.sort(
        (a, b) =>
          Number(firstAlert.has(a.id)) - Number(firstAlert.has(b.id)) ||
          Math.abs(referenceTime(a) - t) - Math.abs(referenceTime(b) - t),
      );
      const best = cands[0]!;
      if (firstAlert.has(best.id)) duplicates++;
      else firstAlert.set(best.id, life);
    }
    const found = scorable.filter((r) => firstAlert.has(r.id));
    const delaysS = found
      .map((r) => (ms(firstAlert.get(r.id)!.raised.detectedAt) - referenceTime(r)) / 1000)
      .sort((a, b) => a - b);
    return {
      type,
      incidents: scorable.length,
      found: found.length,
      recall: scorable.length ? found.length / scorable.length : null,
      alerts: mine.length,
      falseAlarms,
      decoyHits,
      precision: mine.length ? (mine.length - falseAlarms) / mine.length : null,
      duplicates,
      medianDelayS: quantile(delaysS, 0.5),
      p90DelayS: quantile(delaysS, 0.9),
      falseAlarmsPerHour: falseAlarms / hours,
      skipped: late.length,
      missed: scorable.filter((r) => !firstAlert.has(r.id)).map((r) => r.id),
      falseAlarmIds,
      decoyHitsByType,
      delaysS,
      hours,
    };
  });
  return { hours, byType, unscored };
}

/** Pools several runs' scores of one type (counts add up, delays pool, rates are recomputed). */
export function poolScores(scores: readonly TypeScore[]): TypeScore {
  const sum = (f: (s: TypeScore) => number) => scores.reduce((a, s) => a + f(s), 0);
  const incidents = sum((s) => s.incidents);
  const found = sum((s) => s.found);
  const alerts = sum((s) => s.alerts);
  const falseAlarms = sum((s) => s.falseAlarms);
  const hours = sum((s) => s.hours);
  const delaysS = scores.flatMap((s) => s.delaysS).sort((a, b) => a - b);
  const decoyHitsByType: Record<string, number> = {};
  for (const s of scores)
    for (const [k, v] of Object.entries(s.decoyHitsByType)) decoyHitsByType[k] = (decoyHitsByType[k] ?? 0) + v;
  return {
    type: scores[0]?.type ?? '',
    incidents,
    found,
    recall: incidents ? found / incidents : null,
    alerts,
    falseAlarms,
    decoyHits: sum((s) => s.decoyHits),
    precision: alerts ? (alerts - falseAlarms) / alerts : null,
    duplicates: sum((s) => s.duplicates),
    medianDelayS: quantile(delaysS, 0.5),
    p90DelayS: quantile(delaysS, 0.9),
    falseAlarmsPerHour: hours ? falseAlarms / hours : 0,
    skipped: sum((s) => s.skipped),
    missed: scores.flatMap((s) => s.missed),
    falseAlarmIds: scores.flatMap((s) => s.falseAlarmIds),
    decoyHitsByType,
    delaysS,
    hours,
  };
}

/** The targets of issue 9: road_blockage recall ≥ 0.95, precision ≥ 0.90, median delay ≤ 60 s; others ≥ 0.90 / ≥ 0.80. */
export const TARGETS: Record<string, { recall: number; precision: number; medianDelayS?: number }> = {
  road_blockage: { recall: 0.95, precision: 0.9, medianDelayS: 60 },
  flooding: { recall: 0.9, precision: 0.8 },
  light_outage: { recall: 0.9, precision: 0.8 },
  hotline_surge: { recall: 0.9, precision: 0.8 },
  feed_offline: { recall: 0.9, precision: 0.8 },
};

/**
 * What misses its target, as readable lines (empty: all met). A type with no incidents and no
 * alerts is not judged; one with alerts but no incidents is judged on precision only.
 */
export function targetMisses(s: TypeScore): string[] {
  const t = TARGETS[s.type];
  if (!t || (s.incidents === 0 && s.alerts === 0)) return [];
  const out: string[] = [];
  if (s.recall !== null && s.recall < t.recall) out.push(`${s.type}: recall ${fmt(s.recall)} < ${t.recall}`);
  if (s.precision !== null && s.precision < t.precision)
    out.push(`${s.type}: precision ${fmt(s.precision)} < ${t.precision}`);
  if (t.medianDelayS !== undefined && s.medianDelayS !== null && s.medianDelayS > t.medianDelayS)
    out.push(`${s.type}: median delay ${Math.round(s.medianDelayS)} s > ${t.medianDelayS} s`);
  return out;
}

const fmt = (x: number | null): string => (x === null ? '–' : x.toFixed(2));

/** A markdown table of scores, one row per type (label: a run's name, or "all"). */
export function scoreTable(rows: Array<{ label: string; score: TypeScore }>): string {
  const head = [
    'run',
    'type',
    'incidents',
    'found',
    'recall',
    'alerts',
    'false alarms (decoys)',
    'precision',
    'duplicates',
    'median delay s',
    'p90 delay s',
    'false alarms/h',
  ];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const { label, score: s } of rows) {
    const delay = (x: number | null) => (x === null ? '–' : String(Math.round(x)));
    lines.push(
      `| ${[
        label,
        s.type,
        s.skipped ? `${s.incidents} (+${s.skipped} late)` : String(s.incidents),
        String(s.found),
        fmt(s.recall),
        String(s.alerts),
        `${s.falseAlarms} (${s.decoyHits})`,
        fmt(s.precision),
        String(s.duplicates),
        delay(s.medianDelayS),
        delay(s.p90DelayS),
        s.falseAlarmsPerHour.toFixed(2),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
