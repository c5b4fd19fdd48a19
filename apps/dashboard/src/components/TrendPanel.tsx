import { memo, useMemo } from 'react';
import { Chart } from '../charts/Chart.js';
import { trendOption } from '../charts/trend-option.js';
import { PanelTitle } from './PanelTitle.js';

interface TrendPanelProps {
  trend: Array<[number, number]> | null;
  bucketMs: number;
  stale: boolean;
}

export const TrendPanel = memo(function TrendPanel({ trend, bucketMs, stale }: TrendPanelProps) {
  const option = useMemo(() => trendOption(trend, bucketMs, stale), [trend, bucketMs, stale]);
  return (
    <section className={`panel trend-panel${stale ? ' is-stale' : ''}`} data-testid="trend-panel">
      <PanelTitle zh="近15分钟事件趋势" en="Events, last 15 minutes" note="末段统计中 last bucket filling" />
      <div className="trend-chart">
        <Chart option={option} testId="trend-chart" />
      </div>
    </section>
  );
});
