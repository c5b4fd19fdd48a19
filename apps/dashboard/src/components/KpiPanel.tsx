import { memo, useMemo } from 'react';
import type { VitalsSnapshot } from '@cityops/schema';
import { Chart } from '../charts/Chart.js';
import { rateBarOption } from '../charts/rate-bar-option.js';
import { TYPE_LABELS } from '../labels.js';
import type { Freshness } from '../feed/wall-state.js';
import { Figure } from './Figure.js';
import { PanelTitle } from './PanelTitle.js';
import { Widget } from './Widget.js';

interface KpiPanelProps {
  total: VitalsSnapshot['total'] | null;
  byType: VitalsSnapshot['byType'] | null;
  freshness: Freshness;
  /** each type's own freshness (wall-state's typesFreshness: feed silent when its sources are) */
  typeFreshness?: Readonly<Record<string, Freshness>>;
}

const TYPES = Object.entries(TYPE_LABELS);

/** The headline figures: citywide events, then per type, then the surge chart. */
export const KpiPanel = memo(function KpiPanel({ total, byType, freshness, typeFreshness }: KpiPanelProps) {
  const stale = !freshness.fresh;
  // byType keeps its identity across deltas that do not touch it (merge patch), so this rarely recomputes
  const option = useMemo(() => rateBarOption(byType, stale), [byType, stale]);
  return (
    <Widget
      name="kpi-panel"
      className="kpi-panel"
      freshness={freshness}
      title={{ zh: '城市运行体征', en: 'Vital signs', note: '事件时间 event time' }}
      attrs={{ 'data-testid': 'kpi-panel' }}
    >
      <div className="kpi-hero">
        <Figure
          zh="全域事件 · 近1分钟"
          en="Events, last 1 min"
          value={total?.m1}
          size="hero"
          stale={stale}
          testId="kpi-total-m1"
        />
        <Figure
          zh="全域事件 · 近15分钟"
          en="Events, last 15 min"
          value={total?.m15}
          size="hero"
          stale={stale}
          testId="kpi-total-m15"
        />
      </div>
      <div className="kpi-types">
        {TYPES.map(([type, label]) => (
          <Figure
            key={type}
            zh={label.zh}
            en={`${label.en} · 15 min`}
            value={byType ? (byType[type]?.m15 ?? 0) : null}
            sub={{ label: '近1分钟 1 min', value: byType ? (byType[type]?.m1 ?? 0) : null }}
            stale={stale}
            {...(typeFreshness?.[type] ? { freshness: typeFreshness[type] } : {})}
            testId={`kpi-${type}`}
          />
        ))}
      </div>
      <PanelTitle zh="分类速率" en="Rate by type, per minute" />
      <div className="chart-legend">
        <span className="swatch swatch-now" /> 近1分钟 last minute
        <span className="swatch swatch-avg" /> 15分钟均值 15-min average
      </div>
      <div className="kpi-chart">
        <Chart option={option} testId="kpi-chart" />
      </div>
    </Widget>
  );
});
