import type { ThemesSnapshot } from '@cityops/schema';
import { Widget } from '../../components/Widget.js';
import type { Freshness } from '../../feed/wall-state.js';
import { formatCount } from '../../format.js';
import { formatMetric, metricCell, metricLabel, UNUSUAL } from '../format-theme.js';

export interface CountFigure {
  zh: string;
  en: string;
  /** null when unknown: drawn `—` */
  m15: number | null;
  m1: number | null;
}

interface ThemeFiguresProps {
  name: string;
  title: { zh: string; en: string; note?: string };
  /** the theme metrics to show, city-wide (`id` or `id:qualifier`) */
  metrics: string[];
  themes: ThemesSnapshot | undefined;
  freshness: Freshness;
}

/**
 * Big theme figures for the city: the value now, the usual value for this hour, and a mark when
 * it is unusual (|deviation| ≥ 2). A metric the themes do not have reads `—`, never 0.
 */
export function ThemeFigures({ name, title, metrics, themes, freshness }: ThemeFiguresProps) {
  const stale = !freshness.fresh;
  return (
    <Widget name={name} className="theme-figures" freshness={freshness} title={title}>
      <div className="stat-grid">
        {metrics.map((key) => {
          const label = metricLabel(key);
          const cell = metricCell(themes?.city, key);
          const unusual = cell.deviation !== undefined && cell.deviation >= UNUSUAL;
          const better = cell.deviation !== undefined && cell.deviation <= -UNUSUAL;
          return (
            <div
              key={key}
              className={`stat${stale ? ' is-stale' : ''}${unusual ? ' is-unusual' : ''}`}
              data-metric={key}
              data-value={cell.value ?? ''}
            >
              <div className="stat-label">
                <span className="zh">{label.zh}</span> <span className="en">{label.en}</span>
              </div>
              <div className="stat-value">{formatMetric(key, cell.value)}</div>
              <div className="stat-sub">
                常态 usual <b>{formatMetric(key, cell.baseline)}</b>
                {unusual ? <span className="stat-flag"> ▲ 异常 unusual</span> : null}
                {better ? <span className="stat-good"> ▼ 好于常态 better</span> : null}
              </div>
            </div>
          );
        })}
      </div>
    </Widget>
  );
}

/** Event counts from the vitals (15 min, with the last minute beside): `—` before any data. */
export function CountFigures({
  name,
  title,
  counts,
  freshness,
}: {
  name: string;
  title: { zh: string; en: string; note?: string };
  counts: CountFigure[];
  freshness: Freshness;
}) {
  const stale = !freshness.fresh;
  return (
    <Widget name={name} className="count-figures" freshness={freshness} title={title}>
      <div className="stat-grid">
        {counts.map((c) => (
          <div key={c.zh} className={`stat${stale ? ' is-stale' : ''}`} data-value={c.m15 ?? ''}>
            <div className="stat-label">
              <span className="zh">{c.zh}</span> <span className="en">{c.en}</span>
            </div>
            <div className="stat-value">{formatCount(c.m15)}</div>
            <div className="stat-sub">
              近1分钟 1 min <b>{formatCount(c.m1)}</b>
            </div>
          </div>
        ))}
      </div>
    </Widget>
  );
}
