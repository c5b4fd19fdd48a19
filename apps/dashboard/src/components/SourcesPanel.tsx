import { memo } from 'react';
import type { SourcesChannelState } from '@cityops/schema';
import { formatAge, formatCount } from '../format.js';
import type { Freshness } from '../feed/wall-state.js';
import { orderedSourceRows, REASONS } from '../feed/wall-state.js';
import { Widget } from './Widget.js';

interface SourcesPanelProps {
  data: SourcesChannelState | null;
  freshness: Freshness;
  serverNow: number;
  max?: number;
}

const rate = (r: number | undefined) => (r === undefined ? '—' : r >= 100 ? formatCount(r) : r.toFixed(1));

/**
 * 数据源健康 data sources: per source its rate, last seen and rejected %. A source with no
 * accepted event within its `silentAfterMs` is silent: its row turns stale and its rate reads
 * 静默 silent, never 0/s. The whole panel greys out with the reason when the health is not current.
 */
export const SourcesPanel = memo(function SourcesPanel({ data, freshness, serverNow, max = 8 }: SourcesPanelProps) {
  const rows = orderedSourceRows(data, serverNow).slice(0, max);
  return (
    <Widget
      name="sources-panel"
      className="sources-panel"
      freshness={freshness}
      title={{ zh: '数据源健康', en: 'Data sources', note: '速率 · 最近 · 拒收' }}
    >
      {data?.available && rows.length === 0 ? <div className="empty">尚无数据源 · No sources yet</div> : null}
      <div className="source-rows">
        {rows.map((r) => (
          <div
            key={r.name}
            className={`source-row${r.silent ? ' is-silent' : ''}`}
            data-source={r.name}
            data-fresh={String(freshness.fresh && !r.silent)}
            {...(r.silent ? { 'data-stale-reason': REASONS.feedSilent } : {})}
            {...(r.view.types ? { 'data-types': r.view.types.join(' ') } : {})}
          >
            <span className="source-name" title={r.view.connection ?? ''}>
              {r.name}
            </span>
            <span className="source-rate">{r.silent ? '静默 silent' : `${rate(r.view.ratePerSec)}/s`}</span>
            <span className="source-seen">{r.lastSeenMs === null ? '从未 never' : formatAge(r.lastSeenMs)}</span>
            <span className="source-rejected">{r.rejectedPct === null ? '—' : `${r.rejectedPct.toFixed(1)}%`}</span>
          </div>
        ))}
      </div>
    </Widget>
  );
});
