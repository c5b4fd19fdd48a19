import type { CityEvent } from '@cityops/schema';
import type { AlertDraft, Rule, RuleEnv } from '../rules/rule.js';

/**
 * Folds events per key as the framework does (state through JSON between steps unless
 * `roundTrip: false`), calling wake for every key whose wakeAt the watermark passed; `until` moves
 * the watermark once more at the end. For rule unit tests.
 */
export function fold<S>(
  rule: Rule<S>,
  env: RuleEnv,
  events: CityEvent[],
  opts: { roundTrip?: boolean; until?: number } = {},
) {
  const states = new Map<string, { s: S; wakeAt?: number }>();
  const alerts: AlertDraft[] = [];
  const rt = (s: S): S => (opts.roundTrip === false ? s : (JSON.parse(JSON.stringify(s)) as S));
  const save = (k: string, r: { state: S | undefined; alerts: AlertDraft[]; wakeAt?: number }) => {
    alerts.push(...r.alerts);
    if (r.state === undefined) states.delete(k);
    else states.set(k, { s: r.state, ...(r.wakeAt !== undefined ? { wakeAt: r.wakeAt } : {}) });
  };
  let wm = -Infinity;
  const wakeAll = () => {
    for (const [k, v] of [...states])
      if (v.wakeAt !== undefined && v.wakeAt <= wm) save(k, rule.wake(rt(v.s), wm, env));
  };
  for (const e of events) {
    wm = Math.max(wm, Date.parse(e.eventTime));
    const k = rule.key(e, env);
    if (k !== null) {
      const cur = states.get(k);
      save(k, rule.step(cur ? rt(cur.s) : undefined, e, env));
    }
    wakeAll();
  }
  if (opts.until !== undefined) {
    wm = opts.until;
    wakeAll();
  }
  return { alerts, states };
}
