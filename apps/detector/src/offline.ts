import { type CityPack } from '@cityops/city';
import { ErrorCodes, type AlertEvent, type CityEvent } from '@cityops/schema';
import { RuleEngine, Timers, newOutput, wakeAtOf, type EngineOutput } from './engine.js';
import { packContext, type DetectorSettings } from './env.js';
import { RULES } from './rules/index.js';
import type { AnyRule } from './rules/rule.js';
import { DecodedCache, FoldState, RuleThrew, type EntryStore } from './state.js';

export interface OfflineOptions {
  pack: CityPack;
  /** per rule id or type: parameter values over the defaults */
  settings?: DetectorSettings;
  /** the rules to run (default: every rule of the registry) */
  rules?: readonly AnyRule[];
  /** events older than the watermark minus this are dropped and counted (default 5 min, as ALLOWED_LATENESS_MS) */
  allowedLatenessMs?: number;
  /** counts of what was dropped, by code (filled while running) */
  dropped?: Record<string, number>;
  /**
   * 'json': every key's state through JSON at every step (the reference the live stage was first
   * written to); 'decoded' (default): decoded states kept between events, each key encoded once per
   * event, and an event whose rule threw is run again the 'json' way. Both give the same alerts.
   */
  state?: 'decoded' | 'json';
}

/** Signals a signal may cause in turn, at most (a cycle between rules cannot loop forever). */
const MAX_SIGNAL_HOPS = 4;

/**
 * The detector in event time over a sequence of events (a file, a test): the same rules and engine
 * as the live detector. The watermark is the furthest event time seen; after each event, every key
 * whose timer is due fires. Signals between rules are delivered at once. Memory is the rules' keyed
 * state only: the input is streamed.
 */
export async function* detectOffline(
  events: Iterable<CityEvent> | AsyncIterable<CityEvent>,
  opts: OfflineOptions,
): AsyncIterable<AlertEvent> {
  const engine = new RuleEngine(opts.rules ?? RULES, packContext(opts.pack), opts.settings ?? {});
  const map = new Map<string, string>();
  // every key: offline there is nothing else to keep, and a miss costs a JSON parse, not a read
  const cache = opts.state === 'json' ? null : new DecodedCache(Number.MAX_SAFE_INTEGER);
  const timers = new Timers();
  const lateness = opts.allowedLatenessMs ?? 5 * 60_000;
  const dropped = opts.dropped ?? {};
  let wm = -Infinity;

  const settle = (out: EngineOutput, store: EntryStore, at: number) => {
    for (let hop = 0; hop < MAX_SIGNAL_HOPS && out.signals.length > 0; hop++) {
      const signals = out.signals;
      out.signals = [];
      for (const s of signals) engine.onSignal(s, store, timers, out, at);
    }
  };

  /** one event, its signals and the timers it makes due: committed together, or null when a rule threw (not strict) */
  const one = (e: CityEvent, t: number, strict: boolean): EngineOutput | null => {
    const touched = new Set<string>();
    const store = new FoldState(map, strict ? null : cache, touched);
    const out = newOutput();
    try {
      const routes = engine.routes(e, out);
      // each key gets its own copy of the event, as on the runtime (one parsed record per route)
      routes.forEach(([id, key], i) =>
        engine.onEvent(id, key, i === 0 ? e : structuredClone(e), store, timers, out, wm),
      );
      settle(out, store, wm);
      const next = t > wm ? t : wm;
      if (t > wm) {
        engine.advance(next, store, timers, out);
        settle(out, store, next);
      }
      const { set, del } = store.commit();
      for (const [k, v] of set) map.set(k, v);
      for (const k of del) map.delete(k);
      wm = next;
      return out;
    } catch (err) {
      if (strict || !(err instanceof RuleThrew)) throw err;
      // timers this attempt took off the heap are put back from the state it did not change
      for (const k of touched) {
        const at = wakeAtOf(map.get(k));
        if (at !== undefined) timers.of(engine.levelOf(k)).push(k, at);
      }
      return null;
    }
  };

  for await (const e of events) {
    const t = Date.parse(e.eventTime);
    if (!Number.isFinite(t)) {
      dropped[ErrorCodes.EVT_SCHEMA] = (dropped[ErrorCodes.EVT_SCHEMA] ?? 0) + 1;
      continue;
    }
    if (t < wm - lateness) {
      dropped[ErrorCodes.EVT_TOO_LATE] = (dropped[ErrorCodes.EVT_TOO_LATE] ?? 0) + 1;
      continue;
    }
    const out = one(e, t, cache === null) ?? one(e, t, true)!;
    for (const [code, n] of Object.entries(out.errors)) dropped[code] = (dropped[code] ?? 0) + n;
    yield* out.alerts;
  }
}
