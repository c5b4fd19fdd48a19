import type { CityPack } from '@cityops/city';
import {
  ALERT_SEVERITIES,
  ALERT_VERSION,
  ErrorCodes,
  parseAlertEvent,
  type AlertEvent,
  type AlertSeverity,
  type AlertView,
  type PlaceName,
} from '@cityops/schema';

export interface AlertsFoldOptions {
  /** open alerts held at most; past it the least severe, least recently updated one is dropped (counted) */
  maxOpen?: number;
  /** a cleared alert is kept this long after its clear was appended, so screens see it end */
  clearedKeepMs?: number;
  /** cleared alerts held at most (the oldest go first) */
  maxCleared?: number;
  /** open alerts sent to screens at most (most severe, then most recent); the rest are counted */
  screenOpen?: number;
  /** recently cleared alerts sent to screens at most (most recent) */
  screenCleared?: number;
  /** positions of a road line sent at most (longer lines are thinned) */
  maxLinePoints?: number;
}

export const ALERTS_DEFAULTS = {
  maxOpen: 5_000,
  clearedKeepMs: 15 * 60_000,
  maxCleared: 2_000,
  screenOpen: 200,
  screenCleared: 30,
  maxLinePoints: 64,
} as const;

/** Counted (never silent) reasons an alert record was not folded in. */
export const ALERT_REJECT = {
  notJson: ErrorCodes.EVT_NOT_JSON,
  version: ErrorCodes.EVT_UNSUPPORTED_VERSION,
  schema: ErrorCodes.EVT_SCHEMA,
  /** an open alert dropped because more than maxOpen were open */
  overCap: 'E_ALERTS_OVER_CAP',
} as const;

export type FoldResult =
  { ok: true; change: 'new' | 'updated' | 'duplicate' | 'stale' } | { ok: false; code: string; reason: string };

const RANK: Record<AlertSeverity, number> = { info: 0, minor: 1, major: 2, critical: 3 };

/**
 * The gateway's picture of the alerts, folded from `city.alerts.v1` (one record per alert event).
 * The latest event of each alert wins by its `seq` (an outbox publishing an event again, or a
 * replay over what was read, changes nothing); `cleared` alerts are kept `clearedKeepMs` by the
 * topic's append time, then forgotten (their id and last seq stay in a bounded tombstone list, so
 * a late copy of an older event cannot bring them back). Memory is bounded: at most `maxOpen`
 * open and `maxCleared` cleared alerts. Names and the road line come from the city pack.
 */
export class AlertsFold {
  private readonly opts: Required<AlertsFoldOptions>;
  private readonly open = new Map<string, AlertView>();
  private readonly cleared = new Map<string, AlertView>();
  /** alertId → last seq of alerts forgotten after their clear (FIFO, bounded) */
  private readonly tombstones = new Map<string, number>();
  readonly rejected: Record<string, number> = {};
  private readonly districts: Map<string, PlaceName>;
  private readonly streets: Map<string, PlaceName>;
  private readonly roads: Map<string, { name: PlaceName; line: Array<[number, number]> }>;

  constructor(pack: CityPack, options: AlertsFoldOptions = {}) {
    this.opts = { ...ALERTS_DEFAULTS, ...options };
    const named = (a: { id: string; name: string; nameEn?: string }) =>
      [a.id, { zh: a.name, en: a.nameEn ?? a.name }] as const;
    this.districts = new Map(pack.districts.map(named));
    this.streets = new Map(pack.streets.map(named));
    this.roads = new Map(
      pack.roads.map((r) => [
        r.id,
        { name: { zh: r.name, en: r.nameEn ?? r.name }, line: thin(r.geometry.coordinates, this.opts.maxLinePoints) },
      ]),
    );
  }

  /** Folds one record's value; `appendedAt` is its log append time (epoch ms). */
  apply(value: string, appendedAt: number): FoldResult {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return this.reject(ALERT_REJECT.notJson, 'alert record is not JSON');
    }
    const v = (parsed as { v?: unknown } | null)?.v;
    if (typeof parsed === 'object' && parsed !== null && v !== ALERT_VERSION) {
      return this.reject(
        ALERT_REJECT.version,
        `alert version ${JSON.stringify(v) ?? 'missing'} is not ${ALERT_VERSION}`,
      );
    }
    const r = parseAlertEvent(parsed);
    if (!r.ok) return this.reject(ALERT_REJECT.schema, r.reason);
    return { ok: true, change: this.fold(r.alert, appendedAt) };
  }

  /** Forgets cleared alerts whose clear is older than clearedKeepMs at `nowMs`. */
  prune(nowMs: number): void {
    for (const [id, a] of this.cleared) {
      if (nowMs - Date.parse(a.clearedAt!) <= this.opts.clearedKeepMs && this.cleared.size <= this.opts.maxCleared)
        break; // insertion order is clear order: the rest are newer
      this.cleared.delete(id);
      this.bury(id, a.seq);
    }
  }

  get openCount(): number {
    return this.open.size;
  }

  get clearedCount(): number {
    return this.cleared.size;
  }

  /** What screens get: the most important open alerts and the most recent cleared ones. */
  screen(): { alerts: Record<string, AlertView>; openBySeverity: Record<AlertSeverity, number>; notShown: number } {
    const openBySeverity = Object.fromEntries(ALERT_SEVERITIES.map((s) => [s, 0])) as Record<AlertSeverity, number>;
    for (const a of this.open.values()) openBySeverity[a.severity] += 1;
    const open = [...this.open.values()].sort(
      (a, b) => RANK[b.severity] - RANK[a.severity] || b.updatedAt.localeCompare(a.updatedAt),
    );
    const shown = open.slice(0, this.opts.screenOpen);
    const cleared = [...this.cleared.values()].slice(-this.opts.screenCleared).reverse();
    const alerts: Record<string, AlertView> = {};
    for (const a of [...shown, ...cleared]) alerts[a.alertId] = a;
    return { alerts, openBySeverity, notShown: open.length - shown.length };
  }

  private fold(e: AlertEvent, appendedAt: number): 'new' | 'updated' | 'duplicate' | 'stale' {
    const held = this.open.get(e.alertId) ?? this.cleared.get(e.alertId);
    const buried = this.tombstones.get(e.alertId);
    if (held && e.seq === held.seq) return 'duplicate';
    if ((held && e.seq < held.seq) || (buried !== undefined && e.seq <= buried)) return 'stale';
    const at = new Date(appendedAt).toISOString();
    const view = this.view(e, held, at);
    this.open.delete(e.alertId);
    this.cleared.delete(e.alertId);
    if (e.state === 'cleared') {
      this.cleared.set(e.alertId, view);
    } else {
      this.open.set(e.alertId, view);
      if (this.open.size > this.opts.maxOpen) this.evictOne();
    }
    return held ? 'updated' : 'new';
  }

  private view(e: AlertEvent, held: AlertView | undefined, at: string): AlertView {
    const p = e.place;
    const road = p.roadSegmentId === undefined ? undefined : this.roads.get(p.roadSegmentId);
    const district = this.districts.get(p.districtId);
    const street = p.streetId === undefined ? undefined : this.streets.get(p.streetId);
    return {
      alertId: e.alertId,
      seq: e.seq,
      type: e.type,
      state: e.state,
      severity: e.severity,
      lon: p.lon,
      lat: p.lat,
      districtId: p.districtId,
      ...(p.streetId === undefined ? {} : { streetId: p.streetId }),
      ...(p.roadSegmentId === undefined ? {} : { roadSegmentId: p.roadSegmentId }),
      ...(district ? { district } : {}),
      ...(street ? { street } : {}),
      ...(road ? { road: road.name, roadLine: road.line } : {}),
      firstSignalAt: e.firstSignalAt,
      detectedAt: e.detectedAt,
      raisedAt: held?.raisedAt ?? at,
      updatedAt: at,
      ...(e.state === 'cleared' ? { clearedAt: at } : {}),
      summary: e.summary,
      evidenceCount: e.evidenceCount,
      subjectCount: e.subjects.length,
      ...(e.departments.lead === undefined ? {} : { lead: e.departments.lead }),
      metrics: e.metrics,
    };
  }

  /** drops the least severe open alert, least recently updated first */
  private evictOne(): void {
    let worst: AlertView | undefined;
    for (const a of this.open.values()) {
      if (
        !worst ||
        RANK[a.severity] < RANK[worst.severity] ||
        (RANK[a.severity] === RANK[worst.severity] && a.updatedAt < worst.updatedAt)
      )
        worst = a;
    }
    if (!worst) return;
    this.open.delete(worst.alertId);
    this.bury(worst.alertId, worst.seq);
    this.rejected[ALERT_REJECT.overCap] = (this.rejected[ALERT_REJECT.overCap] ?? 0) + 1;
  }

  private bury(alertId: string, seq: number): void {
    this.tombstones.delete(alertId);
    this.tombstones.set(alertId, seq);
    const max = (this.opts.maxOpen + this.opts.maxCleared) * 4;
    while (this.tombstones.size > max) this.tombstones.delete(this.tombstones.keys().next().value!);
  }

  private reject(code: string, reason: string): FoldResult {
    this.rejected[code] = (this.rejected[code] ?? 0) + 1;
    return { ok: false, code, reason };
  }
}

/** keeps the ends and evenly spaced positions between, at most `max` */
function thin(line: Array<[number, number]>, max: number): Array<[number, number]> {
  const round = ([x, y]: [number, number]): [number, number] => [Math.round(x * 1e6) / 1e6, Math.round(y * 1e6) / 1e6];
  if (line.length <= max) return line.map(round);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < max; i++) out.push(round(line[Math.round((i * (line.length - 1)) / (max - 1))]!));
  return out;
}
