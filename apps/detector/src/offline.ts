import { type CityPack } from '@cityops/city';
import { ErrorCodes, type AlertEvent, type CityEvent } from '@cityops/schema';
import { RuleEngine, Timers, newOutput, type EngineOutput, type KeyedStore } from './engine.js';
import { packContext, type DetectorSettings } from './env.js';
import { RULES } from './rules/index.js';
import type { AnyRule } from './rules/rule.js';

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
  const store: KeyedStore = {
    get: (k) => map.get(k),
    set: (k, v) => void map.set(k, v),
    del: (k) => void map.delete(k),
  };
  const timers = new Timers();
  const lateness = opts.allowedLatenessMs ?? 5 * 60_000;
  const dropped = opts.dropped ?? {};
  let wm = -Infinity;

  const settle = (out: EngineOutput) => {
    for (let hop = 0; hop < MAX_SIGNAL_HOPS && out.signals.length > 0; hop++) {
      const signals = out.signals;
      out.signals = [];
      for (const s of signals) engine.onSignal(s, store, timers, out, wm);
    }
    for (const [code, n] of Object.entries(out.errors)) dropped[code] = (dropped[code] ?? 0) + n;
    out.errors = {};
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
    const out = newOutput();
    for (const [id, key] of engine.routes(e, out)) engine.onEvent(id, key, e, store, timers, out, wm);
    settle(out);
    if (t > wm) {
      wm = t;
      engine.advance(wm, store, timers, out);
      settle(out);
    }
    yield* out.alerts;
  }
}
