import { HOUR, MINUTE } from '../clock.js';
import type { Injector } from './context.js';
import { placeAt, record } from './context.js';

/** What surges: noise, garbage, piled parcels, power cuts, parking, night construction. */
const SURGE_CODES = ['E.07.01', 'E.01.01', 'E.04.05', 'E.05.07', 'E.06.01', 'E.03.01'];

/**
 * A hotline surge (未诉先办 wants it seen on the first calls): for 30-60 minutes, 30-60 tickets an
 * hour of one category from one street (街镇), on top of the usual trickle of well under one an
 * hour for that pair. The tickets live their normal lifecycle.
 */
export const injectHotlineSurge: Injector = (ctx, id, t) => {
  const { rng, world, hotline } = ctx;
  const codes = SURGE_CODES.filter((c) => hotline.knows(c));
  if (codes.length === 0 || world.streetIds.length === 0) return null;
  const code = rng.pick(codes);
  const streetId = world.streetIds[rng.weighted(world.streetCum)]!;
  const cells = world.cellsByStreet.get(streetId)!;
  const duration = Math.round(rng.range(30, 60) * MINUTE);
  const perHour = rng.range(30, 60);
  const count = Math.max(10, Math.round((perHour * duration) / HOUR));
  const times = Array.from({ length: count }, () => t + Math.round(rng.next() * (duration - MINUTE))).sort(
    (a, b) => a - b,
  );
  const tickets: string[] = [];
  for (const at of times) {
    const cell = world.cells[cells[rng.int(cells.length)]!]!;
    ctx.agenda.at(at, (tt) => {
      tickets.push(hotline.open(ctx.agenda, tt, code, cell, [id]));
    });
  }
  const centre = world.cells[cells[Math.floor(cells.length / 2)]!]!;
  return record(ctx, id, 'hotline_surge', placeAt(ctx, centre.lon, centre.lat), t, t + duration, {
    category: code,
    streetId,
    ticketsPlanned: count,
    ticketIds: tickets,
  });
};
