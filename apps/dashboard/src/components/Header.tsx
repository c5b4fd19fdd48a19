import type { CityInfo } from '../feed/feed-socket.js';
import { driftMs, type FeedView } from '../feed/vitals-feed.js';
import { formatClock, formatDate, formatDrift } from '../format.js';
import { StatusBadge } from './StatusBadge.js';

interface HeaderProps {
  city: CityInfo | null;
  mode: string | null;
  now: number;
  view: FeedView;
}

/** a wall clock off by more than this is flagged in the header (its figures' ages stay right) */
export const DRIFT_WARN_MS = 2_000;

/**
 * How far the wall's clock is from the gateway's, and how that was measured: by `time` pings
 * (± half the best round trip) or, until the first answer, from `hello.serverTime`.
 */
function Drift({ view }: { view: FeedView }) {
  const { clock } = view;
  if (clock.via === 'none')
    return (
      <span className="clock-drift" data-testid="clock-drift" data-drift-ms="" data-via="none">
        时钟偏差 drift —
      </span>
    );
  const drift = driftMs(clock);
  const how = clock.via === 'ping' ? `±${Math.max(1, Math.round((clock.rttMs ?? 0) / 2))}ms ping` : 'hello';
  return (
    <span
      className={`clock-drift${Math.abs(drift) > DRIFT_WARN_MS ? ' is-warn' : ''}`}
      data-testid="clock-drift"
      data-drift-ms={String(drift)}
      data-via={clock.via}
      title="本机时钟 − 服务器时钟 · wall clock − gateway clock"
    >
      时钟偏差 drift {formatDrift(drift)} <span className="en">({how})</span>
    </span>
  );
}

export function Header({ city, mode, now, view }: HeaderProps) {
  // the clock shows the gateway's time (the wall PC's own clock may be off: its drift is shown below)
  const serverNow = now + view.clock.offsetMs;
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
            {formatClock(serverNow)}
          </div>
          <div className="clock-date">
            {formatDate(serverNow)}
            {mode ? (
              <span className="mode"> · {mode === 'embedded' ? '单机 EMBEDDED' : '分布式 DISTRIBUTED'}</span>
            ) : null}
          </div>
        </div>
        <div className="header-status">
          <StatusBadge view={view} />
          <Drift view={view} />
        </div>
      </div>
    </header>
  );
}
