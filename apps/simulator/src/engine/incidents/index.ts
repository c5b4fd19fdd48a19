import { HOUR } from '../clock.js';
import type { IncidentType } from '../truth.js';
import type { IncidentContext, Injector } from './context.js';
import { injectFeedOffline } from './feed-offline.js';
import { injectFlooding } from './flooding.js';
import { injectHotlineSurge } from './hotline-surge.js';
import { injectLightOutage } from './light-outage.js';
import { injectRoadBlockage } from './road-blockage.js';

const INJECTORS: Record<IncidentType, Injector> = {
  road_blockage: injectRoadBlockage,
  flooding: injectFlooding,
  light_outage: injectLightOutage,
  hotline_surge: injectHotlineSurge,
  feed_offline: injectFeedOffline,
};

/**
 * Incidents arrive as a Poisson process at `perHour`; their types take turns in a seeded shuffled
 * order, so even a short scenario sees each type once before any repeats.
 */
export function scheduleIncidents(
  ctx: IncidentContext,
  types: readonly IncidentType[],
  perHour: number,
  t0: number,
): void {
  if (perHour <= 0 || types.length === 0) return;
  const order = [...types];
  for (let i = order.length - 1; i > 0; i--) {
    const j = ctx.rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let turn = 0;
  const next = (t: number): void => {
    const type = order[turn++ % order.length]!;
    const id = ctx.truth.nextId(type);
    const rec = INJECTORS[type](ctx, id, t);
    if (rec) ctx.truth.open(rec);
    ctx.agenda.at(t + ctx.rng.exp(perHour / HOUR), next);
  };
  ctx.agenda.at(t0 + ctx.rng.exp(perHour / HOUR), next);
}

export type { IncidentContext, Injector } from './context.js';
