import { THEME_METRICS } from '@cityops/schema';
import type { AreaThemes, ThemeMetricDef } from '@cityops/schema';
import { formatCount } from '../format.js';

/** the sensor kinds and road classes that qualify a metric (`devices.reportingShare:water_level`) */
const QUALIFIERS: Record<string, { zh: string; en: string }> = {
  water_level: { zh: '水位计', en: 'water gauges' },
  street_light: { zh: '路灯', en: 'street lights' },
  traffic_speed: { zh: '车速检测', en: 'traffic detectors' },
  air_quality: { zh: '空气质量', en: 'air quality' },
  noise: { zh: '噪声', en: 'noise' },
  manhole_cover: { zh: '井盖', en: 'manhole covers' },
};

/** The label of `id` or `id:qualifier`: the metric's, with the qualifier's name after it. */
export function metricLabel(key: string): { zh: string; en: string } {
  const [, q] = key.split(':');
  const def = metricDef(key);
  const base = { zh: def?.zh ?? key, en: def?.en ?? '' };
  if (!q) return base;
  const ql = QUALIFIERS[q] ?? { zh: q, en: q };
  return { zh: `${base.zh} · ${ql.zh}`, en: `${base.en} · ${ql.en}` };
}

/** the catalogue entry of `id` or `id:qualifier` */
export function metricDef(key: string): ThemeMetricDef | undefined {
  const id = key.split(':')[0] ?? key;
  return (THEME_METRICS as Record<string, ThemeMetricDef>)[id];
}

/** A theme value with its unit; `—` when absent (absent is never zero). */
export function formatMetric(key: string, value: number | undefined | null): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  switch (metricDef(key)?.unit) {
    case 'share':
      return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;
    case 'ratio':
      return value.toFixed(2);
    case 'cm':
      return `${value.toFixed(0)} cm`;
    case 'ug/m3':
      return `${value.toFixed(0)} µg/m³`;
    case 'dB':
      return `${value.toFixed(0)} dB`;
    case 'per_hour':
      return `${value >= 10 ? formatCount(value) : value.toFixed(1)}/h`;
    default:
      return formatCount(value);
  }
}

/** a fraction as a percentage; `—` for null (no denominator) */
export const pct = (v: number | null | undefined): string =>
  typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—';

/** |deviation| at or above this is "unusual for this hour" (themes.ts) */
export const UNUSUAL = 2;

export interface MetricCell {
  key: string;
  value: number | undefined;
  baseline: number | undefined;
  deviation: number | undefined;
}

export function metricCell(area: AreaThemes | undefined, key: string): MetricCell {
  return {
    key,
    value: area?.values[key],
    baseline: area?.baseline[key],
    deviation: area?.deviation[key],
  };
}
