import { categoryIndex, responsibleDepartments } from '@cityops/city';
import type { Rng } from '../prng.js';
import { HOUR, MINUTE, dailyMax, dailyMean, hotlineActivity, hourOfDay } from './clock.js';
import type { Emitter } from './emit.js';
import type { Agenda } from './queue.js';
import { densityOf, type Cell, type World } from './world.js';

/**
 * What people call 12345 about: category, relative weight, and when in the day it peaks (a factor
 * on top of the overall call curve). Codes are from the default pack's taxonomy.
 */
const CATEGORIES: Array<{ code: string; weight: number; shape: (h: number) => number }> = [
  { code: 'E.07.01', weight: 10, shape: (h) => (h >= 20 || h < 2 ? 2.2 : 0.8) }, // 噪声扰民, evenings
  { code: 'E.06.01', weight: 8, shape: () => 1 }, // 机动车违停
  { code: 'E.01.01', weight: 8, shape: (h) => (h >= 7 && h < 11 ? 1.5 : 1) }, // 暴露垃圾
  { code: 'E.10.01', weight: 8, shape: () => 1 }, // 其他
  { code: 'E.01.05', weight: 6, shape: (h) => (h >= 6 && h < 10 ? 1.6 : 0.9) }, // 垃圾分类
  { code: 'E.09.03', weight: 6, shape: (h) => (h >= 9 && h < 18 ? 1.3 : 0.7) }, // 物业纠纷
  { code: 'E.03.01', weight: 5, shape: (h) => (h >= 22 || h < 6 ? 2.5 : 0.8) }, // 施工扰民, at night
  { code: 'E.04.01', weight: 5, shape: (h) => (h >= 17 && h < 23 ? 2 : 0.6) }, // 占道经营
  { code: 'E.07.03', weight: 4, shape: (h) => ((h >= 11 && h < 13) || (h >= 17 && h < 20) ? 2 : 0.6) }, // 餐饮油烟
  { code: 'E.04.05', weight: 4, shape: (h) => (h >= 9 && h < 18 ? 1.5 : 0.4) }, // 快递包裹占道堆放
  { code: 'E.06.02', weight: 3, shape: (h) => (h >= 9 && h < 18 ? 1.6 : 0.3) }, // 快递车辆占道卸货
  { code: 'E.09.02', weight: 3, shape: () => 1 }, // 违法搭建
  { code: 'E.08.01', weight: 3, shape: (h) => (h >= 18.5 || h < 5.5 ? 3 : 0.3) }, // 路灯不亮
  { code: 'E.05.07', weight: 1.5, shape: () => 1 }, // 停电
  { code: 'E.05.02', weight: 1, shape: () => 1 }, // 井盖缺失破损
  { code: 'E.05.01', weight: 0.5, shape: () => 1 }, // 道路积水
];

const CHANNELS = [
  'phone',
  'phone',
  'phone',
  'phone',
  'phone',
  'phone',
  'app',
  'app',
  'wechat',
  'wechat',
  'web',
  'referral',
] as const;

/** Emergencies (E.05) get the short deadlines: respond within 30 min, resolve within 2 h. */
const isUrgent = (code: string): boolean => code.startsWith('E.05');
/** the deadlines of a pack without `hotlineDeadlines` (the default pack has the same) */
export const RESPONSE_DEADLINE_MS = { urgent: 30 * MINUTE, normal: 2 * HOUR };
export const RESOLUTION_DEADLINE_MS = { urgent: 2 * HOUR, normal: 8 * HOUR };

/**
 * What the simulator itself generated of the 接诉即办 figures, tallied as each stage event is
 * emitted (so only what is in the feed), with the pack's deadlines counted from `received`:
 * responded within the response deadline (else late), resolved (late after the resolution
 * deadline), callbacks and satisfied ones. Kept apart from packages/hotline-kpis on purpose: it is
 * the independent reference the aggregator's figures are checked against (scenario.json `hotline`).
 */
export interface HotlineTally {
  received: number;
  responded: number;
  respondedLate: number;
  resolved: number;
  resolvedLate: number;
  callbacks: number;
  satisfied: number;
}

/**
 * The 12345 hotline (接诉即办): tickets arrive as a Poisson process whose rate follows the time of
 * day (by thinning), by category and area; each lives through received → dispatched (to the street
 * or the lead department) → responded → resolved → callback, with log-normal handling times. A few
 * are never responded to, some never resolved, some late, some callers unsatisfied, so the
 * response, resolution and satisfaction rates (响应率/解决率/满意率) are computable from the events.
 */
export class Hotline {
  private seq = 0;
  private readonly meanShape = dailyMean(hotlineActivity);
  private readonly maxShape = dailyMax(hotlineActivity);
  private readonly leadCache = new Map<string, string | null>();
  private readonly names: ReadonlyMap<string, { name: string }>;
  /** the categories of the table that this pack's taxonomy has (a foreign pack may lack some) */
  private readonly categories: typeof CATEGORIES;
  readonly tally: HotlineTally = {
    received: 0,
    responded: 0,
    respondedLate: 0,
    resolved: 0,
    resolvedLate: 0,
    callbacks: 0,
    satisfied: 0,
  };

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    private readonly emitter: Emitter,
    private readonly ticketsPerHour: number,
    private readonly idPrefix: string,
  ) {
    this.names = categoryIndex(world.pack.taxonomy);
    this.categories = CATEGORIES.filter((c) => this.names.has(c.code));
  }

  /** Told of every ordinary ticket as it is received (the decoys' hourly tally); not of incidents' tickets. */
  onRoutineTicket?: (t: number, code: string, cell: Cell) => void;

  /** The model's mean of ordinary tickets per hour for one category from one street at local hour `h`. */
  expectedPerHour(code: string, streetId: string, h: number): number {
    const cat = this.categories.find((c) => c.code === code);
    const cells = this.world.cellsByStreet.get(streetId);
    if (!cat || !cells || this.ticketsPerHour <= 0) return 0;
    const total = this.world.cellCum[this.world.cellCum.length - 1]!;
    const street = cells.reduce((s, i) => s + densityOf(this.world.cells[i]!.districtId), 0) / total;
    const share = (cat.weight * cat.shape(h)) / this.categories.reduce((s, c) => s + c.weight * c.shape(h), 0);
    return ((this.ticketsPerHour * hotlineActivity(h)) / this.meanShape) * share * street;
  }

  /** True when the pack's taxonomy has the code, so incidents only complain in codes ingest accepts. */
  knows(code: string): boolean {
    return this.names.has(code);
  }

  start(agenda: Agenda, t0: number): void {
    if (this.ticketsPerHour <= 0 || this.world.cells.length === 0 || this.categories.length === 0) return;
    const maxRate = (this.ticketsPerHour * this.maxShape) / this.meanShape / HOUR;
    const arrive = (t: number): void => {
      // thinning: candidates at the peak rate, kept in proportion to the rate at this hour
      const h = hourOfDay(t);
      if (this.rng.chance(hotlineActivity(h) / this.maxShape)) {
        const code = this.pickCategory(h);
        const cell = this.world.cells[this.rng.weighted(this.world.cellCum)]!;
        this.open(agenda, t, code, cell);
        this.onRoutineTicket?.(t, code, cell);
      }
      agenda.at(t + this.rng.exp(maxRate), arrive);
    };
    agenda.at(t0 + this.rng.exp(maxRate), arrive);
  }

  private pickCategory(h: number): string {
    const cats = this.categories;
    const weights = cats.map((c) => c.weight * c.shape(h));
    let x = this.rng.next() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return cats[i]!.code;
    }
    return cats[cats.length - 1]!.code;
  }

  /**
   * Opens one ticket at `cell` and schedules its whole lifecycle. Incidents use this for the
   * complaints they cause; their ids tag every stage's event. Returns the ticket id.
   */
  open(agenda: Agenda, t0: number, code: string, cell: Cell, incidentIds?: readonly string[]): string {
    const rng = this.rng;
    const ticketId = `${this.idPrefix}-T${String(++this.seq).padStart(7, '0')}`;
    const channel = CHANNELS[rng.int(CHANNELS.length)]!;
    const summary = `${this.names.get(code)?.name ?? code} · ${this.world.streetName.get(cell.streetId) ?? cell.streetId}`;
    const where = { lon: cell.lon, lat: cell.lat };
    const urgent = isUrgent(code);
    const deadline = this.deadlineOf(code);
    const assignee = this.assigneeFor(code, cell);
    const tally = this.tally;
    const stage = (t: number, name: string, extra: { assignee?: string; satisfied?: boolean } = {}) =>
      agenda.at(t, (tt) => {
        this.emitter.hotline(tt, where, code, { ticketId, stage: name, channel, summary, ...extra }, incidentIds);
        if (name === 'received') tally.received++;
        else if (name === 'responded') {
          if (tt - t0 <= deadline.respondMs) tally.responded++;
          else tally.respondedLate++;
        } else if (name === 'resolved') {
          tally.resolved++;
          if (tt - t0 > deadline.resolveMs) tally.resolvedLate++;
        } else if (name === 'callback') {
          tally.callbacks++;
          if (extra.satisfied === true) tally.satisfied++;
        }
      });

    stage(t0, 'received');
    const tDispatch = t0 + Math.round(Math.min(2 * HOUR, Math.max(MINUTE, rng.logNormal(6 * MINUTE, 0.6))));
    stage(tDispatch, 'dispatched', { assignee });
    if (rng.chance(0.03)) return ticketId; // never responded: the black-list material (黑榜)
    const tRespond =
      tDispatch + Math.round(Math.max(2 * MINUTE, rng.logNormal(urgent ? 10 * MINUTE : 35 * MINUTE, 0.9)));
    stage(tRespond, 'responded', { assignee });
    if (rng.chance(0.06)) return ticketId; // responded but never resolved
    const tResolve =
      tRespond + Math.round(Math.max(10 * MINUTE, rng.logNormal(urgent ? 40 * MINUTE : 100 * MINUTE, 0.9)));
    stage(tResolve, 'resolved', { assignee });
    const late = tRespond - t0 > deadline.respondMs || tResolve - t0 > deadline.resolveMs;
    const tCallback = tResolve + Math.round(rng.range(20 * MINUTE, 4 * HOUR));
    stage(tCallback, 'callback', { assignee, satisfied: rng.chance(late ? 0.65 : 0.95) });
    return ticketId;
  }

  /** The pack's deadlines for a category (the longest matching prefix), else the built-in ones. */
  private deadlineOf(code: string): { respondMs: number; resolveMs: number } {
    const d = this.world.pack.hotlineDeadlines;
    if (!d) {
      const urgent = isUrgent(code);
      return {
        respondMs: urgent ? RESPONSE_DEADLINE_MS.urgent : RESPONSE_DEADLINE_MS.normal,
        resolveMs: urgent ? RESOLUTION_DEADLINE_MS.urgent : RESOLUTION_DEADLINE_MS.normal,
      };
    }
    const match = (d.byCategory ?? [])
      .filter((c) => code.startsWith(c.prefix))
      .sort((a, b) => b.prefix.length - a.prefix.length)[0];
    const m = match ?? d;
    return { respondMs: m.respondMinutes * MINUTE, resolveMs: m.resolveMinutes * MINUTE };
  }

  /** 接诉即办 sends most tickets straight to the street (街道); the rest to the lead department of the area. */
  private assigneeFor(code: string, cell: Cell): string {
    if (!this.leadCache.has(code)) {
      const lead = responsibleDepartments(this.world.pack, code).lead;
      this.leadCache.set(
        code,
        lead && lead.scope.level !== 'street' ? `${lead.id}${lead.scope.level === 'district' ? '@' : ''}` : null,
      );
    }
    const lead = this.leadCache.get(code);
    if (!lead || this.rng.chance(0.6)) return cell.streetId;
    return lead.endsWith('@') ? `${lead}${cell.districtId}` : lead;
  }
}
