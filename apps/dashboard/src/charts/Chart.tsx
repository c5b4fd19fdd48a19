import { memo, useMemo } from 'react';
import ReactEChartsCore from 'echarts-for-react/esm/core.js';
import type { ECElementEvent } from 'echarts/core';
import { useWallFit } from '../layout/Stage.js';
import { echarts } from './echarts.js';
import type { ChartOption } from './options.js';

export type ChartEvents = Record<string, (params: ECElementEvent) => void>;

interface ChartProps {
  option: ChartOption;
  /** must be referentially stable (useMemo), or the handlers are re-bound on every render */
  onEvents?: ChartEvents;
  className?: string;
  testId?: string;
}

const FILL = { width: '100%', height: '100%' } as const;

/**
 * One ECharts instance for the life of the component: options are merged into it
 * (`notMerge: false`) and rendered on the next frame (`lazyUpdate`), so an update costs a
 * setOption, never a new chart. Memoized: a parent re-render with the same option is free.
 *
 * The chart is laid out in design px inside the scaled stage (layout/Stage.tsx); its canvas is
 * rendered at `devicePixelRatio × scale`, so a 4K wall gets a sharp canvas, not a blown-up one.
 * A change of scale (a resize of the window) re-creates the instance, which is rare.
 */
export const Chart = memo(function Chart({ option, onEvents, className, testId }: ChartProps) {
  const { scale, dpr: deviceRatio } = useWallFit();
  const dpr = Math.min(8, Math.max(0.25, deviceRatio * scale));
  // rounded, so sub-pixel jitter of the scale does not re-create charts
  const rounded = Math.round(dpr * 100) / 100;
  const opts = useMemo(() => ({ renderer: 'canvas' as const, devicePixelRatio: rounded }), [rounded]);
  return (
    <ReactEChartsCore
      echarts={echarts}
      option={option}
      notMerge={false}
      lazyUpdate={true}
      opts={opts}
      style={FILL}
      className={className}
      data-testid={testId}
      {...(onEvents ? { onEvents } : {})}
    />
  );
});
