import type { AlertEvent, CityEvent } from '@cityops/schema';
import { draftsToAlerts, type AlertBooks } from './alerts.js';
import { ruleEnv, type DetectorSettings, type PackContext } from './env.js';
import { ruleId, type AnyRule, type RuleEnv, type RuleSignal, type RuleStep } from './rules/rule.js';
import { RuleThrew, wakeAtOf, type Entry, type EntryStore } from './state.js';

/** Keyed state as strings (the framework's own keys in the rule stage; tests). */
export interface KeyedStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  del(key: string): void;
}

/** A state key of the engine: `<ruleId>|<rule key>`. Keys starting with `~` are the framework's own. */
export const stateKey = (rule: string, key: string) => `${rule}|${key}`;

export { wakeAtOf };

/**
 * Keys with a timer, earliest first: a binary heap with one live entry per key (`scheduled`). An
 * entry may be stale (the key's wakeAt moved or is gone): the engine checks the stored value when
 * it pops one, so the index is a cache of the state and can always be rebuilt from it.
 */
export class TimerIndex {
  private heap: Array<[number, string]> = [];
  private readonly scheduled = new Map<string, number>();

  get size(): number {
    return this.heap.length;
  }

  /** makes sure `key` is looked at no later than `at` */
  push(key: string, at: number): void {
    const have = this.scheduled.get(key);
    if (have !== undefined && have <= at) return;
    this.scheduled.set(key, at);
    const h = this.heap;
    h.push([at, key]);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]![0] <= at) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = [at, key];
  }

  /** the earliest entry at or before `wm`, removed, or undefined */
  popDue(wm: number): string | undefined {
    const h = this.heap;
    while (h.length > 0 && h[0]![0] <= wm) {
      const [at, key] = h[0]!;
      const last = h.pop()!;
      if (h.length > 0) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          const mv = () => (m === i ? last[0] : h[m]![0]);
          if (l < h.length && h[l]![0] < mv()) m = l;
          if (r < h.length && h[r]![0] < mv()) m = r;
          if (m === i) break;
          h[i] = h[m]!;
          i = m;
        }
        h[i] = last;
      }
      if (this.scheduled.get(key) === at) {
        this.scheduled.delete(key);
        return key;
      }
    }
    return undefined;
  }
}

/**
 * The timers of one partition by level: level-1 rules (keyed from events) fire on the watermark of
 * the events; level-2 rules (keyed from signals of other rules) on the watermark that the level-1
 * partitions have passed too, so a signal from a partition behind is never overtaken by a timer.
 */
export class Timers {
  readonly levels: [TimerIndex, TimerIndex] = [new TimerIndex(), new TimerIndex()];
  of(level: 1 | 2): TimerIndex {
    return this.levels[level - 1]!;
  }
}

/** What the engine produced for one input: alert events to publish, signals to route, failures counted. */
export interface EngineOutput {
  alerts: AlertEvent[];
  signals: RuleSignal[];
  /** rule failures by code (a rule that throws keeps its previous state) */
  errors: Record<string, number>;
}

export const newOutput = (): EngineOutput => ({ alerts: [], signals: [], errors: {} });

/** E_DETECTOR_RULE: a rule threw on an input (the key keeps its previous state). */
export const RULE_ERROR = 'E_DETECTOR_RULE';

/** At most this many keys one event is folded under per rule (`Rule.keys`). */
export const MAX_KEYS_PER_EVENT = 8;

interface Bound {
  rule: AnyRule;
  id: string;
  env: RuleEnv;
  level: 1 | 2;
}

/**
 * The detection engine: folds events, signals and watermark advances into the keyed state of the
 * rules and turns their drafts into alert events. The same code runs offline (a Map, in event
 * time) and on the stream runtime (one engine call per record of a partition).
 */
export class RuleEngine {
  readonly rules: Bound[];
  private readonly byId = new Map<string, Bound>();

  constructor(rules: readonly AnyRule[], ctx: PackContext, settings: DetectorSettings = {}) {
    this.rules = rules.map((rule) => ({
      rule,
      id: ruleId(rule),
      env: ruleEnv(ctx, rule, settings),
      level: rule.level === 2 ? 2 : 1,
    }));
    for (const b of this.rules) {
      if (this.byId.has(b.id)) throw new Error(`two rules with the id ${b.id}`);
      if (b.id.includes('|')) throw new Error(`rule id ${b.id} must not contain '|'`);
      this.byId.set(b.id, b);
    }
  }

  /** the (rule id, key) pairs an event is folded under: where the router sends it */
  routes(e: CityEvent, out?: EngineOutput): Array<[string, string]> {
    const r: Array<[string, string]> = [];
    for (const b of this.rules) {
      try {
        if (b.rule.keys) {
          for (const k of b.rule.keys(e, b.env).slice(0, MAX_KEYS_PER_EVENT)) r.push([b.id, String(k)]);
          continue;
        }
        const k = b.rule.key(e, b.env);
        if (k !== null && k !== undefined) r.push([b.id, String(k)]);
      } catch {
        if (out) out.errors[RULE_ERROR] = (out.errors[RULE_ERROR] ?? 0) + 1;
      }
    }
    return r;
  }

  /** the timer level of a state key (`<ruleId>|<key>`) */
  levelOf(stateKey: string): 1 | 2 {
    return this.byId.get(stateKey.slice(0, stateKey.indexOf('|')))?.level ?? 1;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  onEvent(
    id: string,
    key: string,
    e: CityEvent,
    store: EntryStore,
    timers: Timers,
    out: EngineOutput,
    wm: number,
  ): void {
    const b = this.byId.get(id);
    if (!b) return;
    this.apply(b, key, store, timers, out, wm, (s) => b.rule.step(s, e, b.env, key));
  }

  onSignal(sig: RuleSignal, store: EntryStore, timers: Timers, out: EngineOutput, wm: number): void {
    const b = this.byId.get(sig.to);
    if (!b || !b.rule.signal) return;
    const fn = b.rule.signal.bind(b.rule);
    this.apply(b, sig.key, store, timers, out, wm, (s) => fn(s, sig, b.env));
  }

  /** fires every key whose wakeAt is at or before `wm` */
  advance(wm: number, store: EntryStore, all: Timers, out: EngineOutput, level?: 1 | 2): void {
    if (level === undefined) {
      this.advance(wm, store, all, out, 1);
      this.advance(wm, store, all, out, 2);
      return;
    }
    const timers = all.of(level);
    for (let k = timers.popDue(wm); k !== undefined; k = timers.popDue(wm)) {
      const slot = store.read(k);
      const at = slot?.wakeAt;
      if (at === undefined) continue;
      if (at > wm) {
        timers.push(k, at);
        continue;
      }
      const bar = k.indexOf('|');
      const b = this.byId.get(k.slice(0, bar));
      if (!b) continue;
      const entry = slot?.entry;
      if (!entry || entry.s === undefined || entry.s === null) {
        store.remove(k);
        continue;
      }
      this.apply(b, k.slice(bar + 1), store, all, out, wm, (s) => b.rule.wake(s, wm, b.env, k.slice(bar + 1)), true);
    }
  }

  private apply(
    b: Bound,
    key: string,
    store: EntryStore,
    timers: Timers,
    out: EngineOutput,
    wm: number,
    fn: (s: unknown) => RuleStep<unknown>,
    waking = false,
  ): void {
    const sk = stateKey(b.id, key);
    const prev = store.read(sk)?.entry;
    let step: RuleStep<unknown>;
    try {
      step = fn(prev?.s ?? undefined);
    } catch {
      // the rule may have changed the decoded state before it threw: only a strict store still
      // holds the state as it was, so the caller runs the unit again on one
      if (!store.strict) throw new RuleThrew();
      out.errors[RULE_ERROR] = (out.errors[RULE_ERROR] ?? 0) + 1;
      if (waking) {
        // a wake that throws would be retried at once forever: keep the state, look again later
        const v = store.read(sk);
        if (v !== undefined) timers.of(b.level).push(sk, wm + 60_000);
        if (v !== undefined) store.write(sk, { wakeAt: wm + 60_000, entry: v.entry });
      }
      return;
    }
    // the books are this key's own object (read from the store, never shared): changed in place
    const books: AlertBooks = prev?.b ?? { open: {}, closed: [] };
    // alerts and signals leave the key: copies, so a later step changing its state in place cannot reach them
    if (step.alerts?.length)
      out.alerts.push(...structuredClone(draftsToAlerts(b.rule.type, key, step.alerts, books, b.env)));
    if (step.signals?.length) out.signals.push(...structuredClone(step.signals));
    const hasBooks = Object.keys(books.open).length > 0 || books.closed.length > 0;
    if (step.state === undefined) {
      // forgetting the key also forgets its closed incidents; its open alerts are kept until cleared
      if (Object.keys(books.open).length === 0) {
        store.remove(sk);
        return;
      }
    }
    let wakeAt = step.wakeAt;
    if (wakeAt !== undefined && !Number.isFinite(wakeAt)) wakeAt = undefined;
    if (wakeAt !== undefined && wakeAt <= wm && waking) wakeAt = wm + 1;
    const entry: Entry = { s: step.state ?? null };
    if (hasBooks) entry.b = books;
    store.write(sk, { wakeAt, entry });
    if (wakeAt !== undefined) timers.of(b.level).push(sk, wakeAt);
  }
}
