import type { FeedState, FeedView } from '../feed/vitals-feed.js';
import { formatAge, formatTimeOfIso } from '../format.js';

/** Across the top of the figures whenever they are not live: says how old they are, in words. */
export function StaleBanner({ state, view }: { state: FeedState; view: FeedView }) {
  if (view.screenState === 'live') return null;
  const asOf = formatTimeOfIso(state.vitals?.updatedAt);
  let text: string;
  switch (view.screenState) {
    case 'connecting':
      text = '正在连接数据服务 · Connecting to the gateway';
      break;
    case 'stale':
      text =
        view.ageMs === null
          ? '已连接，尚无聚合数据 · Connected, no aggregation yet'
          : `数据滞后 ${formatAge(view.ageMs)}，所示为 ${asOf} 的数据 · Figures are ${formatAge(view.ageMs)} old (as of ${asOf})`;
      break;
    case 'offline':
      text = state.vitals
        ? `连接中断，所示为 ${asOf} 的数据 · Connection lost, figures as of ${asOf}`
        : '连接中断，无数据 · Connection lost, no data';
      break;
  }
  return (
    <div className={`stale-banner stale-banner-${view.screenState}`} data-testid="stale-banner">
      {text}
    </div>
  );
}
