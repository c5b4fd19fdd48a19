import type { VitalCounts } from '@cityops/schema';
import { typeLabel } from '../labels.js';
import type { ChartOption } from './options.js';
import { FONT_FAMILY, palette } from './theme.js';

/** The event types shown in a fixed order, so bars never swap places between updates. */
export const TYPE_ORDER = ['hotline.ticket', 'sensor.reading', 'delivery.vehicle'];

/**
 * Per type, the last minute against the 15-minute average per minute: a bar far above its
 * average is the early surge the center wants to see before the hotline rings (未诉先办).
 */
export function rateBarOption(byType: Record<string, VitalCounts> | null, stale: boolean): ChartOption {
  const types = [
    ...TYPE_ORDER,
    ...Object.keys(byType ?? {})
      .filter((t) => !TYPE_ORDER.includes(t))
      .sort(),
  ];
  const now = types.map((t) => (byType ? (byType[t]?.m1 ?? 0) : '-'));
  const avg = types.map((t) => (byType ? Math.round(((byType[t]?.m15 ?? 0) / 15) * 10) / 10 : '-'));
  const text = stale ? palette.stale : palette.text;
  const axisLabel = { color: stale ? palette.stale : palette.textDim, fontFamily: FONT_FAMILY, fontSize: 15 };
  return {
    animationDurationUpdate: 400,
    // the legend is HTML above the chart: the grid starts at the top, the x labels need ~24 px below
    grid: { left: 150, right: 70, top: 8, bottom: 24 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, textStyle: { fontFamily: FONT_FAMILY, fontSize: 16 } },
    xAxis: {
      type: 'value',
      splitLine: { lineStyle: { color: palette.grid } },
      splitNumber: 4,
      axisLabel: { ...axisLabel, fontSize: 14, hideOverlap: true },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: types,
      axisLine: { lineStyle: { color: palette.axis } },
      axisTick: { show: false },
      axisLabel: {
        ...axisLabel,
        color: text,
        lineHeight: 21,
        formatter: (t: string) => {
          const l = typeLabel(t);
          return `{zh|${l.zh}}\n{en|${l.en}}`;
        },
        rich: {
          zh: { color: text, fontSize: 16, fontFamily: FONT_FAMILY, align: 'right' },
          en: { color: stale ? palette.stale : palette.textDim, fontSize: 14, fontFamily: FONT_FAMILY, align: 'right' },
        },
      },
    },
    series: [
      {
        name: '近1分钟 last min',
        type: 'bar',
        data: now,
        barWidth: 14,
        itemStyle: { color: stale ? palette.stale : palette.accent, borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right', color: text, fontSize: 15, fontFamily: FONT_FAMILY },
      },
      {
        name: '15分钟均值/分 15-min avg per min',
        type: 'bar',
        data: avg,
        barWidth: 8,
        barGap: '40%',
        itemStyle: { color: stale ? palette.staleDim : 'rgba(61, 123, 255, 0.55)', borderRadius: [0, 3, 3, 0] },
        label: {
          show: true,
          position: 'right',
          color: stale ? palette.stale : palette.textDim,
          fontSize: 14,
          fontFamily: FONT_FAMILY,
        },
      },
    ],
  };
}
