import { CityMap } from './components/CityMap.js';
import { DistrictRanking } from './components/DistrictRanking.js';
import { Header } from './components/Header.js';
import { IntegrityPanel } from './components/IntegrityPanel.js';
import { KpiPanel } from './components/KpiPanel.js';
import { StaleBanner } from './components/StaleBanner.js';
import { TrendPanel } from './components/TrendPanel.js';
import { useCity } from './components/use-city.js';
import { useDistricts } from './components/use-districts.js';
import { useFeedState, useNow } from './feed/use-feed.js';
import type { VitalsFeed } from './feed/vitals-feed.js';

const NO_AREAS: never[] = [];

/**
 * The wall screen. Re-renders on each applied delta (coalesced server-side to a few per
 * second) and once a second for the clock and freshness; panels are memoized on the parts of
 * the state they show, so neither costs more when the event rate rises.
 */
export function App({ feed }: { feed: VitalsFeed }) {
  const state = useFeedState(feed);
  const now = useNow(1_000);
  const view = feed.view(now);
  const city = useCity(state.hello?.city ?? null);
  const districts = useDistricts();
  const v = state.vitals;
  // figures being rebuilt from the log are incomplete: shown as not current, like stale ones
  const stale = view.stale || v?.rebuilding === true;

  return (
    <div className={`screen screen-${view.screenState}`}>
      <Header city={city} mode={state.hello?.mode ?? null} now={now} view={view} />
      <main className="layout">
        <div className="col col-left">
          <KpiPanel total={v?.total ?? null} byType={v?.byType ?? null} stale={stale} />
        </div>
        <div className="col col-center">
          <StaleBanner state={state} view={view} />
          <CityMap
            districts={districts}
            byDistrict={v?.byDistrict ?? null}
            byStreet={v?.byStreet ?? null}
            stale={stale}
          />
          <TrendPanel trend={v?.trend ?? null} bucketMs={v?.bucketMs ?? 60_000} stale={stale} />
        </div>
        <div className="col col-right">
          <DistrictRanking
            districts={districts.status === 'ready' ? districts.districts.areas : NO_AREAS}
            byDistrict={v?.byDistrict ?? null}
            stale={stale}
          />
          <IntegrityPanel state={state} view={view} />
        </div>
      </main>
    </div>
  );
}
