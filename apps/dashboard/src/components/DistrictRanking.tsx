import { memo } from 'react';
import type { VitalCounts } from '@cityops/schema';
import type { MapArea } from '../charts/map-option.js';
import type { Freshness } from '../feed/wall-state.js';
import { formatCount } from '../format.js';
import { Widget } from './Widget.js';

interface DistrictRankingProps {
  districts: MapArea[];
  byDistrict: Record<string, VitalCounts> | null;
  freshness: Freshness;
  /** rows shown at most (the wide wall has room for more) */
  max?: number;
}

/** Districts by load in the last 15 minutes: where to look first. */
export const DistrictRanking = memo(function DistrictRanking({
  districts,
  byDistrict,
  freshness,
  max: limit = 12,
}: DistrictRankingProps) {
  const names = new Map(districts.map((d) => [d.id, d]));
  // every district of the pack is listed (a quiet one is a real zero); ids the pack lacks are shown too
  const ids = new Set([...districts.map((d) => d.id), ...Object.keys(byDistrict ?? {})]);
  const rows = [...ids]
    .map((id) => ({ id, area: names.get(id), c: byDistrict?.[id] ?? { m1: 0, m15: 0 } }))
    .sort((a, b) => b.c.m15 - a.c.m15 || a.id.localeCompare(b.id))
    .slice(0, limit);
  const max = Math.max(1, ...rows.map((r) => r.c.m15));
  return (
    <Widget
      name="district-ranking"
      className="ranking-panel"
      freshness={freshness}
      title={{ zh: '区域事件排行', en: 'Districts by events', note: '15分钟 / 1分钟' }}
      attrs={{ 'data-testid': 'district-ranking' }}
    >
      {byDistrict === null ? (
        <div className="empty">等待数据 Waiting for data</div>
      ) : (
        <ol className="ranking">
          {rows.map((r, i) => (
            <li
              key={r.id}
              className="ranking-row"
              data-testid="district-row"
              data-district-id={r.id}
              data-m15={r.c.m15}
            >
              <span className={`rank rank-${i < 3 ? 'top' : 'rest'}`}>{i + 1}</span>
              <span className="ranking-name">
                <span className="zh">{r.area?.name ?? r.id}</span>
                <span className="en">{r.area?.nameEn ?? ''}</span>
              </span>
              <span className="ranking-bar">
                <span style={{ width: `${(r.c.m15 / max) * 100}%` }} />
              </span>
              <span className="ranking-value">{formatCount(r.c.m15)}</span>
              <span className="ranking-sub">{formatCount(r.c.m1)}</span>
            </li>
          ))}
        </ol>
      )}
    </Widget>
  );
});
