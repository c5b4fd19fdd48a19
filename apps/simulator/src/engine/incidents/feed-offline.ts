import { MINUTE } from '../clock.js';
import type { Injector } from './context.js';
import { placeAt, record } from './context.js';

/**
 * A feed goes dark: every sensor of one group (one kind in one district, one vendor feed) stops
 * sending anything, heartbeats included, for 12-45 minutes, with no `offline` notice (the feed
 * itself is down, so nobody is left to say so). Then they resume. The evidence is absence, so the
 * record has no event ids; `details.sensorIds` names who fell silent.
 */
export const injectFeedOffline: Injector = (ctx, id, t) => {
  const { rng, sensors } = ctx;
  const groups = [...sensors.byGroup.entries()].filter(([, list]) => list.length >= 2);
  if (groups.length === 0) return null;
  const [group, members] = groups[rng.int(groups.length)]!;
  const duration = Math.round(rng.range(12, 45) * MINUTE);
  for (const i of members) sensors.addEffect(i, { incidentId: id, from: t, to: t + duration, silent: true });
  const first = sensors.sensors[members[0]!]!;
  return record(ctx, id, 'feed_offline', placeAt(ctx, first.where.lon, first.where.lat), t, t + duration, {
    group,
    kind: first.kind,
    sensorIds: members.map((i) => sensors.sensors[i]!.id),
  });
};
