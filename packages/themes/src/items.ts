/**
 * Keyed items with contributions: the engine both themes folds run on. An item (a sensor, a
 * ticket, a van, a stop) is one keyed-state entry of its partition holding what it currently
 * contributes to its areas' gauges (`m`, per area in `a`) and when that changes by itself (`u`,
 * event time: a reading going stale, a deadline passing). A fold changes items; `finish`
 * re-evaluates the changed ones and the ones due by the watermark, and turns the difference
 * between what they contributed and what they contribute now into gauge moves. So the work per
 * event is O(1) and no read ever scans the items.
 *
 * Due items are found through an index (event-time minute -> keys) kept beside the runtime's state
 * map. It is a cache: the fold's output depends only on its input (records, watermark, state),
 * because the index is rebuilt from the state whenever it may not match it (a new state map after
 * a reload, or a batch whose output was not applied: checked by the `~v` sentinel every output
 * writes).
 */

/** What every item holds. */
export interface Contributing {
  /** the areas it contributes to (`c`, `d:<district>`, `st:<street>`) */
  a: string[];
  /** measure -> amount it contributes to each of its areas */
  m: Record<string, number>;
  /** event time (epoch ms) when its contribution changes by itself, or null */
  u: number | null;
}

export const SENTINEL_KEY = '~v';
const SLOT_MS = 60_000;

interface DueIndex {
  slots: Map<number, Set<string>>;
  /** the smallest slot that may still hold keys */
  floor: number;
  /** the sentinel value of the last output built on this index */
  emitted: string | undefined;
}

const indexes = new WeakMap<ReadonlyMap<string, string>, DueIndex>();
/**
 * Items decoded by earlier folds of the same state map, each valid only for the very string it was
 * encoded to (a state the runtime did not take from our output reads as a miss and is parsed).
 * A fold changes a shallow copy; the nested `a` and `m` are replaced, never changed in place.
 */
const decoded = new WeakMap<ReadonlyMap<string, string>, Map<string, { raw: string; item: Contributing }>>();
const DECODED_MAX = 500_000;

function slotOf(u: number): number {
  return Math.floor(u / SLOT_MS);
}

function addDue(ix: DueIndex, key: string, u: number | null): void {
  if (u === null) return;
  const s = slotOf(u);
  let set = ix.slots.get(s);
  if (!set) ix.slots.set(s, (set = new Set()));
  set.add(key);
  if (s < ix.floor) ix.floor = s;
}

function buildIndex(state: ReadonlyMap<string, string>): DueIndex {
  const ix: DueIndex = { slots: new Map(), floor: Number.MAX_SAFE_INTEGER, emitted: state.get(SENTINEL_KEY) };
  for (const [key, raw] of state) {
    if (key === SENTINEL_KEY) continue;
    const item = parse(raw);
    if (item) addDue(ix, key, item.u);
  }
  return ix;
}

function parse(raw: string | undefined): Contributing | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as Contributing;
  } catch {
    return undefined;
  }
}

export interface ItemsOutput {
  set: Array<[string, string]>;
  del: string[];
  gauges: Array<{ field: string; by: number }>;
}

/** One fold's view of a partition's items: reads through its own changes, then the state. */
export class ItemBatch {
  private readonly ix: DueIndex;
  private readonly current = new Map<string, Contributing | null>();
  private readonly original = new Map<string, Contributing | null>();
  private readonly changedKeys = new Set<string>();

  private readonly cache: Map<string, { raw: string; item: Contributing }>;

  constructor(private readonly state: ReadonlyMap<string, string>) {
    let cache = decoded.get(state);
    if (!cache || cache.size > DECODED_MAX) decoded.set(state, (cache = new Map()));
    this.cache = cache;
    let ix = indexes.get(state);
    if (!ix || ix.emitted !== state.get(SENTINEL_KEY)) {
      ix = buildIndex(state);
      indexes.set(state, ix);
    }
    this.ix = ix;
  }

  /**
   * The item as this fold left it, or as stored. A caller may change it in place and `put` it
   * back: what it contributed (`a`, `m`) is remembered as read, and `evaluate` replaces `m`.
   */
  get<T extends Contributing>(key: string): T | undefined {
    if (this.current.has(key)) return (this.current.get(key) ?? undefined) as T | undefined;
    const raw = this.state.get(key);
    const hit = raw === undefined ? undefined : this.cache.get(key);
    const item = hit && hit.raw === raw ? { ...hit.item } : parse(raw);
    this.original.set(key, item ? { a: item.a, m: item.m, u: item.u } : null);
    this.current.set(key, item ?? null);
    return item as T | undefined;
  }

  put(key: string, item: Contributing): void {
    if (!this.current.has(key)) this.get(key);
    this.current.set(key, item);
    this.changedKeys.add(key);
  }

  /**
   * Re-evaluates every changed item and every item due by `watermark` (`evaluate` returns the
   * item with its `m` and `u` for that time, or null to forget it), and returns the state writes
   * and gauge moves. `sentinel` identifies this output (the batch's next offset).
   */
  finish(
    watermark: number | null,
    sentinel: string,
    evaluate: (key: string, item: Contributing, watermark: number) => Contributing | null,
  ): ItemsOutput {
    const ix = this.ix;
    if (watermark !== null) {
      const last = slotOf(watermark);
      const due: number[] = [];
      if (last - ix.floor > ix.slots.size) {
        for (const s of ix.slots.keys()) if (s <= last) due.push(s);
      } else {
        for (let s = ix.floor; s <= last; s++) if (ix.slots.has(s)) due.push(s);
      }
      for (const s of due) {
        for (const key of ix.slots.get(s)!) {
          const item = this.get(key);
          if (item && item.u !== null && item.u <= watermark && !this.changedKeys.has(key)) this.changedKeys.add(key);
        }
        ix.slots.delete(s);
      }
      if (last + 1 > ix.floor) ix.floor = last + 1;
    }

    // area -> measure -> sum: the field name is made once per distinct gauge, not once per move
    const moves = new Map<string, Map<string, number>>();
    const add = (areas: string[], measure: string, by: number) => {
      for (const area of areas) {
        let m = moves.get(area);
        if (!m) moves.set(area, (m = new Map()));
        m.set(measure, (m.get(measure) ?? 0) + by);
      }
    };
    // only what changed moves: most readings change a bin or a sum, not the counts beside them
    const diff = (before: Contributing | null | undefined, after: Contributing | null) => {
      if (before && after && sameAreas(before.a, after.a)) {
        for (const k in after.m) {
          const d = after.m[k]! - (before.m[k] ?? 0);
          if (d !== 0) add(after.a, k, d);
        }
        for (const k in before.m) if (!(k in after.m)) add(before.a, k, -before.m[k]!);
        return;
      }
      if (before) for (const k in before.m) add(before.a, k, -before.m[k]!);
      if (after) for (const k in after.m) add(after.a, k, after.m[k]!);
    };
    const set: Array<[string, string]> = [];
    const del: string[] = [];
    for (const key of [...this.changedKeys].sort()) {
      const before = this.original.get(key);
      const now = this.current.get(key);
      const after = now && watermark !== null ? evaluate(key, now, watermark) : (now ?? null);
      diff(before, after);
      if (after) {
        const raw = JSON.stringify(after);
        set.push([key, raw]);
        this.cache.set(key, { raw, item: after });
        addDue(ix, key, after.u);
      } else {
        this.cache.delete(key);
        if (before) del.push(key);
      }
    }
    set.push([SENTINEL_KEY, sentinel]);
    ix.emitted = sentinel;
    const gauges: Array<{ field: string; by: number }> = [];
    for (const [area, m] of moves)
      for (const [measure, by] of m) if (by !== 0) gauges.push({ field: `${area}|${measure}`, by });
    return { set, del, gauges };
  }
}

function sameAreas(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The areas of an event's location: the city, and its district and street where ingest resolved them. */
export function areasOf(districtId: string | undefined, streetId: string | undefined): string[] {
  const a = ['c'];
  if (districtId) a.push(`d:${districtId}`);
  if (streetId) a.push(`st:${streetId}`);
  return a;
}
