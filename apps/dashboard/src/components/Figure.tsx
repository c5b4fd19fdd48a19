import { memo } from 'react';
import { formatCount } from '../format.js';

interface FigureProps {
  zh: string;
  en: string;
  value: number | null | undefined;
  /** a smaller companion figure, e.g. the 1-minute count under a 15-minute one */
  sub?: { label: string; value: number | null | undefined };
  size?: 'hero' | 'normal';
  stale: boolean;
  testId?: string;
}

/** A big number with its bilingual label; when stale it is greyed and says so, never shows a made-up zero. */
export const Figure = memo(function Figure({ zh, en, value, sub, size = 'normal', stale, testId }: FigureProps) {
  const known = typeof value === 'number';
  return (
    <div
      className={`figure figure-${size}${stale ? ' is-stale' : ''}`}
      data-testid={testId}
      data-stale={stale ? 'true' : 'false'}
      data-value={known ? String(value) : ''}
    >
      <div className="figure-label">
        <span className="zh">{zh}</span>
        <span className="en">{en}</span>
      </div>
      <div className="figure-value">{formatCount(value)}</div>
      {sub ? (
        <div className="figure-sub">
          {sub.label} <b>{formatCount(sub.value)}</b>
        </div>
      ) : null}
      {/* the tag's line is always reserved, so a figure going stale does not shift the layout */}
      <div className="figure-stale-tag" aria-hidden={!(stale && known)}>
        {stale && known ? '滞后 STALE' : ''}
      </div>
    </div>
  );
});
