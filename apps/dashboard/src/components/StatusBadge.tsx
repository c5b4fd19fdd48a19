import type { FeedView } from '../feed/vitals-feed.js';
import { formatAge } from '../format.js';
import { replayIdFromUrl } from '../replay/replay-param.js';

/**
 * The one element that says whether the wall may be trusted right now: `data-state` is what the
 * screen may claim (live / stale / offline / connecting), `data-link` how the socket is doing
 * (connecting / live / reconnecting / offline).
 */
export function statusText(view: FeedView): string {
  switch (view.screenState) {
    case 'live':
      // a replayed wall's figures are current for the replay, never live (src/replay)
      return replayIdFromUrl() ? '复盘 REPLAY' : '实时 LIVE';
    case 'stale':
      return view.ageMs === null ? '暂无数据 NO DATA' : `数据滞后 STALE ${formatAge(view.ageMs)}`;
    case 'offline':
      return view.status === 'reconnecting'
        ? '连接中断 · 重连中 RECONNECTING'
        : `离线 OFFLINE ${formatAge(view.downForMs ?? 0)}`;
    case 'connecting':
      return '连接中 CONNECTING';
  }
}

export function StatusBadge({ view }: { view: FeedView }) {
  return (
    <div
      className={`status status-${view.screenState}`}
      data-testid="status"
      data-state={view.screenState}
      data-link={view.status}
      data-seq={view.seq ?? ''}
      data-snapshots={view.snapshots}
      role="status"
    >
      <span className="status-dot" aria-hidden="true" />
      <span className="status-text">{statusText(view)}</span>
    </div>
  );
}
