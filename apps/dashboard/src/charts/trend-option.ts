import type { ChartOption } from './options.js';
import { formatClock } from '../format.js';
import { FONT_FAMILY, palette } from './theme.js';

/**
 * The 15-minute trend as an area line. The newest bucket is still filling, so it is drawn
 * dashed: a falling last point is not a drop in activity.
 */
export function trendOption(trend: Array<[number, number]> | null, bucketMs: number, stale: boolean): ChartOption {
  const points = trend ?? [];
  const closed = points.length > 1 ? points.slice(0, -1) : points;
  const open = points.length > 1 ? points.slice(-2) : [];
  const line = stale ? palette.stale : palette.accent;
  const axisLabel = { color: stale ? palette.stale : palette.textDim, fontFamily: FONT_FAMILY, fontSize: 14 };
  const perBucket = bucketMs >= 60_000 ? `${Math.round(bucketMs / 60_000)}分钟` : `${Math.round(bucketMs / 1000)}秒`;
  return {
    animation: false,
    grid: { left: 64, right: 24, top: 34, bottom: 30 },
    tooltip: {
      trigger: 'axis',
      textStyle: { fontFamily: FONT_FAMILY, fontSize: 16 },
      valueFormatter: (v: unknown) => String(v),
    },
    xAxis: {
      type: 'time',
      axisLine: { lineStyle: { color: palette.axis } },
      splitLine: { show: false },
      axisLabel: { ...axisLabel, formatter: (v: number) => formatClock(v).slice(0, 5) },
    },
    yAxis: {
      type: 'value',
      name: `每${perBucket}事件数 events / ${bucketMs / 1000}s`,
      nameTextStyle: { ...axisLabel, align: 'left' },
      splitLine: { lineStyle: { color: palette.grid } },
      axisLabel,
      minInterval: 1,
    },
    series: [
      {
        name: '事件数 events',
        type: 'line',
        data: closed,
        showSymbol: false,
        smooth: 0.2,
        lineStyle: { color: line, width: 3 },
        areaStyle: {
          color: {
            type: 'linear',
            x: 0,
            y: 0,
            x2: 0,
            y2: 1,
            colorStops: [
              { offset: 0, color: stale ? 'rgba(93, 103, 120, 0.35)' : 'rgba(53, 208, 255, 0.45)' },
              { offset: 1, color: 'rgba(53, 208, 255, 0)' },
            ],
          },
        },
      },
      {
        name: '统计中 filling',
        type: 'line',
        data: open,
        showSymbol: true,
        symbolSize: 8,
        lineStyle: { color: line, width: 2, type: 'dashed' },
        itemStyle: { color: line },
      },
    ],
  };
}
