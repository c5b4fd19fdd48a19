import { memo, useMemo } from 'react';
import { Chart } from '../charts/Chart.js';
import { trendOption } from '../charts/trend-option.js';
import type { Freshness } from '../feed/wall-state.js';
import { Widget } from './Widget.js';

interface TrendPanelProps {
  trend: Array<[number, number]> | null;
  bucketMs: number;
  freshness: Freshness;
}

export const TrendPanel = memo(function TrendPanel({ trend, bucketMs, freshness }: TrendPanelProps) {
  const stale = !freshness.fresh;
  const option = useMemo(() => trendOption(trend, bucketMs, stale), [trend, bucketMs, stale]);
  return (
    <Widget
      name="trend-panel"
      className="trend-panel"
      freshness={freshness}
      title={{ zh: '近15分钟事件趋势', en: 'Events, last 15 minutes', note: '末段统计中 last bucket filling' }}
      attrs={{ 'data-testid': 'trend-panel' }}
    >
      <div className="trend-chart">
        <Chart option={option} testId="trend-chart" />
      </div>
    </Widget>
  );
});
