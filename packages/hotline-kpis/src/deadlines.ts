/**
 * 接诉即办 deadlines, counted from a ticket's `received` time: respond within `respondMinutes`,
 * resolve within `resolveMinutes`. `byCategory` overrides both for the category codes starting with
 * `prefix` (the longest matching prefix wins), e.g. emergencies `E.05` 30 / 120 min. The city pack
 * carries them (`pack.json` `hotlineDeadlines`, packages/city PACK-FORMAT.md).
 */
export interface HotlineDeadlines {
  respondMinutes: number;
  resolveMinutes: number;
  byCategory?: Array<{ prefix: string; respondMinutes: number; resolveMinutes: number }>;
}

/** What a pack without `hotlineDeadlines` gets (the same as the default pack and the simulator). */
export const DEFAULT_HOTLINE_DEADLINES: HotlineDeadlines = {
  respondMinutes: 120,
  resolveMinutes: 480,
  byCategory: [{ prefix: 'E.05', respondMinutes: 30, resolveMinutes: 120 }],
};

export interface DeadlineMs {
  respondMs: number;
  resolveMs: number;
}

/** A category's deadlines in ms: the longest matching `byCategory` prefix, else the general ones. */
export function deadlineFor(code: string | undefined, d: HotlineDeadlines): DeadlineMs {
  let best: { prefix: string; respondMinutes: number; resolveMinutes: number } | undefined;
  if (code !== undefined)
    for (const c of d.byCategory ?? [])
      if (code.startsWith(c.prefix) && (!best || c.prefix.length > best.prefix.length)) best = c;
  const src = best ?? d;
  return { respondMs: src.respondMinutes * 60_000, resolveMs: src.resolveMinutes * 60_000 };
}
