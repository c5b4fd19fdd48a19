import { describe, expect, it } from 'vitest';
import { MIN_TEXT_PX } from '../layout/fit.js';
import { alertLayers } from './alert-layers.js';
import { mapOption } from './map-option.js';
import { rateBarOption } from './rate-bar-option.js';
import { trendOption } from './trend-option.js';

/** the option keys whose objects draw text; ECharts falls back to 12 px where no fontSize is given */
const TEXT_KEYS = new Set(['textStyle', 'nameTextStyle', 'axisLabel', 'label', 'zh', 'en']);

/** every text style in an option: [path, fontSize or undefined] */
function textStyles(node: unknown, path = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (Array.isArray(node)) node.forEach((n, i) => textStyles(n, `${path}[${i}]`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const p = `${path}.${k}`;
      if (TEXT_KEYS.has(k) && v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (o.show !== false) out.push([p, o.fontSize]);
      }
      textStyles(v, p, out);
    }
  }
  return out;
}

const areas = [{ id: 'a', name: '甲区', nameEn: 'A' }];
const options = {
  map: mapOption({ mapName: 'm', areas, counts: { a: { m1: 1, m15: 7 } }, stale: false }),
  rateBar: rateBarOption({ 'hotline.ticket': { m1: 1, m15: 10 } }, false),
  trend: trendOption(
    [
      [0, 1],
      [60_000, 2],
    ],
    60_000,
    false,
  ),
  alertLayers: alertLayers({ mapName: 'm', alerts: [], stale: false }).option,
};

describe('chart text is never below the wall minimum (one scale for CSS and charts)', () => {
  it.each(Object.entries(options))('%s: every text style has a fontSize ≥ MIN_TEXT_PX', (_name, option) => {
    const styles = textStyles(option).filter(([p]) => !p.includes('rich') || /\.(zh|en)$/.test(p));
    const sized = styles.filter(([, size]) => size !== undefined);
    for (const [path, size] of sized) expect(size, path).toBeGreaterThanOrEqual(MIN_TEXT_PX);
    // a label, axis or tooltip text without a size would be drawn at ECharts' 12 px default
    const unsized = styles.filter(([p, size]) => size === undefined && !/itemStyle|lineStyle/.test(p));
    expect(unsized.map(([p]) => p)).toEqual([]);
  });
});
