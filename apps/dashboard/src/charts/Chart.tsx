import { memo } from 'react';
import ReactEChartsCore from 'echarts-for-react/esm/core.js';
import type { ECElementEvent } from 'echarts/core';
import { CANVAS_OPTS, echarts } from './echarts.js';
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
 */
export const Chart = memo(function Chart({ option, onEvents, className, testId }: ChartProps) {
  return (
    <ReactEChartsCore
      echarts={echarts}
      option={option}
      notMerge={false}
      lazyUpdate={true}
      opts={CANVAS_OPTS}
      style={FILL}
      className={className}
      data-testid={testId}
      {...(onEvents ? { onEvents } : {})}
    />
  );
});
