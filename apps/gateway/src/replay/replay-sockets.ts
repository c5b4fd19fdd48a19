import { z } from 'zod';

/** every socket watching a replay is in this room: the live vitals channel sends to all others */
export const REPLAYS_ROOM = 'replays';
export const replayRoom = (id: string) => `replay:${id}`;

const Handshake = z.object({ replay: z.string().regex(/^[0-9a-f]{12}$/) });

/**
 * The replay a screen opened (the wall with `?replay=<id>` sends `auth.replay`), or null for the
 * live wall. A malformed id is answered like an unknown one.
 */
export function replayOfHandshake(auth: unknown): { id: string } | { invalid: true } | null {
  if (typeof auth !== 'object' || auth === null || !('replay' in auth) || auth.replay === undefined) return null;
  const parsed = Handshake.safeParse(auth);
  return parsed.success ? { id: parsed.data.replay } : { invalid: true };
}
