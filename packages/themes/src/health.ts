import { metricOf } from './baseline.js';

/** Hard limits: whatever the deviations, the index is at most this while the condition holds. */
export const HEALTH_CAPS: Array<{ key: string; when: (v: number) => boolean; cap: number; why: string }> = [
  { key: 'water.gaugesAboveAlarm', when: (v) => v > 0, cap: 60, why: 'a water gauge at or above the alarm line' },
  { key: 'traffic.congestedShare', when: (v) => v >= 0.5, cap: 70, why: 'half the reporting segments congested' },
  { key: 'environment.pm25OverShare', when: (v) => v >= 0.5, cap: 70, why: 'half the PM2.5 sensors over the limit' },
  { key: 'devices.reportingShare', when: (v) => v < 0.8, cap: 80, why: 'under 80 % of the sensors reporting' },
];

/**
 * 城市运行体征指数, 0–100 (100 = everything as usual or better). Per theme, its worst deviation d
 * over its unqualified figures scores `100 − 20 × clamp(d − 1, 0, 5)` (usual up to one spread
 * worse, 0 at six); the index is the mean over the themes that have a deviation, then capped by the
 * hard limits (HEALTH_CAPS). Absent when no theme has a deviation and no limit is hit.
 */
export function healthIndex(values: Record<string, number>, deviation: Record<string, number>): number | undefined {
  const worst = new Map<string, number>();
  for (const [key, d] of Object.entries(deviation)) {
    if (key.includes(':')) continue;
    const theme = metricOf(key)?.theme;
    if (theme === undefined) continue;
    worst.set(theme, Math.max(worst.get(theme) ?? -Infinity, d));
  }
  let health: number | undefined;
  if (worst.size > 0) {
    let sum = 0;
    for (const d of worst.values()) sum += 100 - 20 * Math.max(0, Math.min(5, d - 1));
    health = sum / worst.size;
  }
  for (const c of HEALTH_CAPS) {
    const v = values[c.key];
    if (v !== undefined && c.when(v)) health = Math.min(health ?? c.cap, c.cap);
  }
  return health === undefined ? undefined : Math.round(health);
}
