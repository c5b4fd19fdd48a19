import { memo } from 'react';
import type { Freshness } from '../feed/wall-state.js';
import { formatCount } from '../format.js';

interface FigureProps {
  zh: string;
  en: string;
  value: number | null | undefined;
  /** a smaller companion figure, e.g. the 1-minute count under a 15-minute one */
  sub?: { label: string; value: number | null | undefined };
  size?: 'hero' | 'normal';
  stale: boolean;
  /**
   * this figure's own freshness (e.g. its type's, feed silent when its sources are); when given
   * it decides over `stale`, and its reason is shown in the tag and in `data-stale-reason`
   */
  freshness?: Freshness;
  testId?: string;
}

/**
 * A big number with its bilingual label. When not current it is greyed and says why (滞后 STALE,
 * or the reason it was given); a zero that is not current is drawn `—`: a silent feed's 0 is not
 * a measurement. Before any data it is `—`, never a made-up zero.
 */
export const Figure = memo(function Figure({
  zh,
  en,
  value,
  sub,
  size = 'normal',
  stale: staleProp,
  freshness,
  testId,
}: FigureProps) {
  const stale = freshness ? !freshness.fresh : staleProp;
  const reason = stale ? (freshness?.reason ?? null) : null;
  const known = typeof value === 'number' && !(stale && value === 0);
  const subValue = stale && sub?.value === 0 ? null : sub?.value;
  return (
    <div
      className={`figure figure-${size}${stale ? ' is-stale' : ''}`}
      data-testid={testId}
      data-stale={stale ? 'true' : 'false'}
      data-value={known ? String(value) : ''}
      {...(reason ? { 'data-stale-reason': reason } : {})}
    >
      <div className="figure-label">
        <span className="zh">{zh}</span>
        <span className="en">{en}</span>
      </div>
      <div className="figure-value">{formatCount(known ? value : null)}</div>
      {sub ? (
        <div className="figure-sub">
          {sub.label} <b>{formatCount(subValue)}</b>
        </div>
      ) : null}
      {/* the tag's line is always reserved, so a figure going stale does not shift the layout */}
      <div className="figure-stale-tag" aria-hidden={!stale}>
        {stale ? (reason ?? (known ? '滞后 STALE' : '')) : ''}
      </div>
    </div>
  );
});
