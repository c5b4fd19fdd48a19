import type { CityEvent, HotlineStage } from '@cityops/schema';

export const STAGES: readonly HotlineStage[] = ['received', 'dispatched', 'responded', 'resolved', 'callback'];

/**
 * One stage of one ticket, as the fold needs it (also what the aggregator repartitions by ticket
 * id through its internal topic): the ticket, the stage, its event time, the callback's verdict,
 * and the category and area the event carries.
 */
export interface StageEvent {
  ticketId: string;
  stage: HotlineStage;
  /** event time, epoch ms */
  at: number;
  /** only meaningful on `callback` */
  satisfied?: boolean;
  category: string;
  districtId?: string;
  streetId?: string;
}

/** The stage event of a `hotline.ticket` envelope; undefined for any other event. */
export function stageEventOf(e: CityEvent): StageEvent | undefined {
  if (e.type !== 'hotline.ticket') return undefined;
  const at = Date.parse(e.eventTime);
  if (!Number.isFinite(at)) return undefined;
  return {
    ticketId: e.payload.ticketId,
    stage: e.payload.stage,
    at,
    ...(e.payload.stage === 'callback' && e.payload.satisfied !== undefined ? { satisfied: e.payload.satisfied } : {}),
    category: e.category.code,
    ...(e.location.districtId !== undefined ? { districtId: e.location.districtId } : {}),
    ...(e.location.streetId !== undefined ? { streetId: e.location.streetId } : {}),
  };
}

/**
 * What is known of one ticket: the earliest time of each stage seen, the verdict of the earliest
 * callback, and where and what it is. Where and what come from the earliest `received` (until one
 * arrives, from the first stage seen, provisionally; a ticket without `received` counts nowhere).
 */
export interface TicketState {
  /** earliest event time per stage (epoch ms) */
  t: Partial<Record<HotlineStage, number>>;
  /** the earliest callback's satisfied (false when it said nothing) */
  sat?: boolean;
  cat: string;
  d?: string;
  s?: string;
}

function placeKey(e: { category: string; districtId?: string; streetId?: string }): string {
  return `${e.category}|${e.districtId ?? ''}|${e.streetId ?? ''}`;
}

/**
 * Folds one stage event into a ticket's state. Deduplicated (a stage seen again changes nothing
 * unless it is earlier: the earliest time wins) and order-independent: any order of the same set of
 * events gives the same state (ties at the same time are broken by content, never by arrival).
 * Returns the same object when nothing changed.
 */
export function applyStage(prev: TicketState | undefined, e: StageEvent): TicketState {
  if (!prev) {
    const t: TicketState['t'] = { [e.stage]: e.at };
    return {
      t,
      ...(e.stage === 'callback' ? { sat: e.satisfied === true } : {}),
      cat: e.category,
      ...(e.districtId !== undefined ? { d: e.districtId } : {}),
      ...(e.streetId !== undefined ? { s: e.streetId } : {}),
    };
  }
  const old = prev.t[e.stage];
  const sat = e.satisfied === true;
  let next = prev;
  if (old === undefined || e.at < old) {
    next = { ...prev, t: { ...prev.t, [e.stage]: e.at } };
    if (e.stage === 'callback') next.sat = sat;
  } else if (e.at === old && e.stage === 'callback' && prev.sat === true && !sat) {
    // two callbacks at the same instant that disagree: the unsatisfied one, whatever the order
    next = { ...prev, sat: false };
  }
  // where and what: from the earliest received (the provisional place of other stages counts nowhere)
  const r = prev.t.received;
  const fromThis =
    e.stage === 'received' &&
    (r === undefined ||
      e.at < r ||
      (e.at === r && placeKey(e) < placeKey({ category: prev.cat, districtId: prev.d, streetId: prev.s })));
  if (fromThis) {
    if (next === prev) next = { ...prev };
    next.cat = e.category;
    if (e.districtId !== undefined) next.d = e.districtId;
    else delete next.d;
    if (e.streetId !== undefined) next.s = e.streetId;
    else delete next.s;
  }
  return next;
}

/** The latest time any stage of the ticket was seen at (epoch ms). */
export function latestSeen(s: TicketState): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of Object.values(s.t)) if (v !== undefined && v > m) m = v;
  return m;
}
