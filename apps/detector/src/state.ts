import type { AlertBooks } from './alerts.js';

/** What one key holds: the rule's state and the framework's books of its open alerts. */
export interface Entry {
  s: unknown;
  b?: AlertBooks;
}

/** A key's state decoded: its timer and its entry. */
export interface Slot {
  wakeAt: number | undefined;
  entry: Entry;
}

/**
 * Keyed state as the engine reads and writes it while folding. A slot read is owned by the caller
 * until it writes it back (rules change their state in place): nobody else holds that object.
 */
export interface EntryStore {
  read(key: string): Slot | undefined;
  write(key: string, slot: Slot): void;
  remove(key: string): void;
  /**
   * Strict: every write is serialised at once and every read decoded from the string, so a rule
   * that throws half-way through changing its state leaves the previous state intact. Not strict:
   * a rule that throws aborts the unit (`RuleThrew`) and the caller runs it again strictly.
   */
  readonly strict: boolean;
}

/** A rule threw while the state was not strict: the unit of work must be run again, strictly. */
export class RuleThrew extends Error {
  constructor() {
    super('a rule threw while folding with decoded state; the unit is run again with strict state');
  }
}

/** The stored value of a key: `<wakeAt or empty>|<json>`, so timers can be rebuilt without parsing JSON. */
export function wakeAtOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const bar = value.indexOf('|');
  if (bar <= 0) return undefined;
  const n = Number(value.slice(0, bar));
  return Number.isFinite(n) ? n : undefined;
}

export function encodeSlot(slot: Slot): string {
  return `${slot.wakeAt ?? ''}|${JSON.stringify(slot.entry)}`;
}

export function decodeSlot(value: string | undefined): Slot | undefined {
  if (value === undefined) return undefined;
  const bar = value.indexOf('|');
  try {
    return { wakeAt: wakeAtOf(value), entry: JSON.parse(value.slice(bar + 1)) as Entry };
  } catch {
    return undefined;
  }
}

/** The default bound of a `DecodedCache` (keys): the warm keys of a partition, not all of them. */
export const DECODED_CACHE_KEYS = 5_000;

/**
 * Decoded states kept between folds, each with the exact string it was decoded from or encoded to.
 * A read hands the object out and forgets it (the caller owns it and may change it); the fold's
 * commit gives it back with its new string. A cached object is used only when the key's stored
 * string is that same string: an apply that did not happen, a reload of the state, a redelivery
 * all show a different string (or none), and the key is decoded from what is stored. So the fold
 * stays a function of its input: the cache only saves the JSON round trip. Least recently used
 * keys past `max` are dropped.
 */
export class DecodedCache {
  private readonly entries = new Map<string, { raw: string; slot: Slot }>();
  hits = 0;
  misses = 0;

  constructor(readonly max = DECODED_CACHE_KEYS) {
    if (!(Number.isInteger(max) && max >= 0)) throw new RangeError(`max must be an integer >= 0, got ${max}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** the decoded state of `raw` (from the cache when it was made from this very string), now owned by the caller */
  take(key: string, raw: string | undefined): Slot | undefined {
    if (raw === undefined) return undefined;
    const c = this.entries.get(key);
    if (c) {
      this.entries.delete(key);
      if (c.raw === raw) {
        this.hits++;
        return c.slot;
      }
    }
    this.misses++;
    return decodeSlot(raw);
  }

  put(key: string, raw: string, slot: Slot): void {
    if (this.max === 0) return;
    this.entries.delete(key);
    this.entries.set(key, { raw, slot });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  drop(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * One fold's view of the keyed state over the stored strings (`base`): reads decode once per key
 * (or take the cached object), writes keep the object, and `commit` serialises each changed key
 * once. `strict` (no cache): the old way, a JSON round trip per write and per read.
 */
export class FoldState implements EntryStore {
  private readonly changes = new Map<string, Slot | string | null>();
  /** slots read but not written yet: given back to the cache unchanged at commit */
  private readonly held = new Map<string, { raw: string; slot: Slot }>();
  readonly strict: boolean;

  constructor(
    private readonly base: { get(key: string): string | undefined },
    private readonly cache: DecodedCache | null,
    private readonly touched?: Set<string>,
  ) {
    this.strict = cache === null;
  }

  read(key: string): Slot | undefined {
    if (this.changes.has(key)) {
      const v = this.changes.get(key)!;
      if (v === null) return undefined;
      return typeof v === 'string' ? decodeSlot(v) : v;
    }
    const h = this.held.get(key);
    if (h) return h.slot;
    const raw = this.base.get(key);
    if (this.cache === null) return decodeSlot(raw);
    const slot = this.cache.take(key, raw);
    if (slot && raw !== undefined) this.held.set(key, { raw, slot });
    return slot;
  }

  write(key: string, slot: Slot): void {
    this.held.delete(key);
    this.changes.set(key, this.strict ? encodeSlot(slot) : slot);
    this.touched?.add(key);
  }

  remove(key: string): void {
    this.held.delete(key);
    this.changes.set(key, null);
    this.touched?.add(key);
  }

  /** the changes, each key serialised once: to apply with the fold's output */
  commit(): { set: Array<[string, string]>; del: string[] } {
    const set: Array<[string, string]> = [];
    const del: string[] = [];
    for (const [k, v] of this.changes) {
      if (v === null) {
        this.cache?.drop(k);
        if (this.base.get(k) !== undefined) del.push(k);
        continue;
      }
      const raw = typeof v === 'string' ? v : encodeSlot(v);
      set.push([k, raw]);
      if (typeof v !== 'string') this.cache?.put(k, raw, v);
    }
    for (const [k, h] of this.held) this.cache?.put(k, h.raw, h.slot);
    this.changes.clear();
    this.held.clear();
    return { set, del };
  }
}
