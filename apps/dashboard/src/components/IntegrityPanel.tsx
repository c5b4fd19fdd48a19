import type { VitalsSnapshot } from '@cityops/schema';
import type { FeedState, FeedView } from '../feed/vitals-feed.js';
import { formatAge, formatCount, formatTimeOfIso } from '../format.js';
import type { Freshness } from '../feed/wall-state.js';
import { PanelTitle } from './PanelTitle.js';
import { Widget } from './Widget.js';

interface IntegrityPanelProps {
  state: FeedState;
  view: FeedView;
  /** the vitals' freshness (the frame's data-fresh and age) */
  freshness: Freshness;
}

function Row({ zh, en, value, tone }: { zh: string; en: string; value: string; tone?: 'warn' | 'alarm' }) {
  return (
    <div className={`kv${tone ? ` kv-${tone}` : ''}`}>
      <span className="kv-label">
        <span className="zh">{zh}</span>
        <span className="en">{en}</span>
      </span>
      <span className="kv-value">{value}</span>
    </div>
  );
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** Why the figures can (or cannot) be trusted: watermark, last aggregation, sync and drops. */
export function IntegrityPanel({ state, view, freshness }: IntegrityPanelProps) {
  const v: VitalsSnapshot | null = state.vitals;
  const late = v ? (v.dropped.E_EVT_TOO_LATE ?? 0) : null;
  const lost = v ? (v.dropped.E_STREAM_RECORDS_LOST ?? 0) : null;
  const otherDrops = v && late !== null && lost !== null ? sum(v.dropped) - late - lost : null;
  const sources = v ? Object.entries(v.bySource).sort((a, b) => b[1].m15 - a[1].m15) : [];
  return (
    <Widget
      name="integrity-panel"
      className="integrity-panel"
      freshness={freshness}
      title={{ zh: '数据可信度', en: 'Data integrity' }}
      attrs={{ 'data-testid': 'integrity-panel' }}
    >
      <Row zh="事件时间水位" en="Event-time watermark" value={formatTimeOfIso(v?.asOf)} />
      <Row
        zh="最近聚合"
        en="Last aggregation"
        value={view.ageMs === null ? '—' : `${formatTimeOfIso(v?.updatedAt)} (${formatAge(view.ageMs)})`}
        {...(view.stale && view.ageMs !== null ? { tone: 'warn' as const } : {})}
      />
      <Row
        zh="状态重建"
        en="Rebuilding from log"
        value={v === null ? '—' : v.rebuilding ? '重建中 rebuilding' : '否 no'}
        {...(v?.rebuilding ? { tone: 'alarm' as const } : {})}
      />
      <Row zh="迟到丢弃" en="Dropped as late" value={formatCount(late)} {...(late ? { tone: 'warn' as const } : {})} />
      <Row
        zh="日志丢失 / 其他"
        en="Lost unread / other"
        value={`${formatCount(lost)} / ${formatCount(otherDrops)}`}
        {...(lost ? { tone: 'alarm' as const } : otherDrops ? { tone: 'warn' as const } : {})}
      />
      <Row
        zh="同步序号 / 重新同步"
        en="Sequence / resyncs"
        value={`${state.seq ?? '—'} / ${state.stats.resyncsSent}`}
        {...(state.stats.gaps > 0 ? { tone: 'warn' as const } : {})}
      />
      <PanelTitle zh="数据源" en="Sources, 15 min" />
      <div className="sources">
        {sources.length === 0 ? <div className="empty">—</div> : null}
        {sources.slice(0, 6).map(([id, c]) => (
          <div key={id} className="kv">
            <span className="kv-label">
              <span className="zh mono">{id}</span>
            </span>
            <span className="kv-value">{formatCount(c.m15)}</span>
          </div>
        ))}
      </div>
    </Widget>
  );
}
