import type { CityInfo } from '../feed/feed-socket.js';
import type { FeedView } from '../feed/vitals-feed.js';
import { formatClock, formatDate } from '../format.js';
import { StatusBadge } from './StatusBadge.js';

interface HeaderProps {
  city: CityInfo | null;
  mode: string | null;
  now: number;
  view: FeedView;
}

export function Header({ city, mode, now, view }: HeaderProps) {
  return (
    <header className="header">
      <div className="header-left">
        <div className="header-city">
          <span className="zh">{city?.name ?? '—'}</span>
          <span className="en">{city?.nameEn ?? ''}</span>
        </div>
        <div className="header-tagline">
          一网统管 · 城市运行数字体征
          <span className="en">One network governs the city · live vital signs</span>
        </div>
      </div>
      <div className="header-title">
        <h1>城市运行管理中心</h1>
        <div className="en">City Operations Center</div>
      </div>
      <div className="header-right">
        <div className="clock">
          <div className="clock-time" data-testid="clock">
            {formatClock(now)}
          </div>
          <div className="clock-date">
            {formatDate(now)}
            {mode ? (
              <span className="mode"> · {mode === 'embedded' ? '单机 EMBEDDED' : '分布式 DISTRIBUTED'}</span>
            ) : null}
          </div>
        </div>
        <StatusBadge view={view} />
      </div>
    </header>
  );
}
