import { useCallback, useMemo, useState } from 'react';
import { AlertList } from './components/AlertList.js';
import { CasesPanel } from './components/CasesPanel.js';
import { CityMap } from './components/CityMap.js';
import { CriticalAlert } from './components/CriticalAlert.js';
import { DistrictRanking } from './components/DistrictRanking.js';
import { Header } from './components/Header.js';
import { IntegrityPanel } from './components/IntegrityPanel.js';
import { KpiPanel } from './components/KpiPanel.js';
import { SourcesPanel } from './components/SourcesPanel.js';
import { StaleBanner } from './components/StaleBanner.js';
import { TrendPanel } from './components/TrendPanel.js';
import { useCity } from './components/use-city.js';
import { useDistricts } from './components/use-districts.js';
import type { Feeds } from './feed/connect.js';
import { useChannelState, useFeedState, useNow } from './feed/use-feed.js';
import { alertsFreshness, flashingCriticals, sortedAlerts, sourcesFreshness } from './feed/wall-state.js';

const NO_AREAS: never[] = [];

/**
 * The wall screen. Re-renders on each applied delta (coalesced server-side to a few per
 * second) and once a second for the clock and freshness; panels are memoized on the parts of
 * the state they show, so neither costs more when the event rate rises.
 */
export function App({ feeds }: { feeds: Feeds }) {
  const feed = feeds.vitals;
  const state = useFeedState(feed);
  const alertsCh = useChannelState(feeds.alerts);
  const sourcesCh = useChannelState(feeds.sources);
  const casesCh = useChannelState(feeds.cases);
  const now = useNow(1_000);
  const view = feed.view(now);
  const city = useCity(state.hello?.city ?? null);
  const districts = useDistricts();
  const v = state.vitals;
  // figures being rebuilt from the log are incomplete: shown as not current, like stale ones
  const stale = view.stale || v?.rebuilding === true;
  // ages on the server's clock (from hello), so a wall PC with a wrong clock cannot fake freshness
  const serverNow = now + state.clockOffsetMs;
  const alertsFresh = alertsFreshness(alertsCh, serverNow);
  const sourcesFresh = sourcesFreshness(sourcesCh, serverNow);
  const openAlerts = useMemo(() => sortedAlerts(alertsCh.data).filter((a) => a.state !== 'cleared'), [alertsCh.data]);
  const [acknowledged, setAcknowledged] = useState<ReadonlySet<string>>(() => new Set());
  const acknowledge = useCallback(
    (ids: string[]) => setAcknowledged((prev) => new Set([...prev, ...ids].slice(-1_000))),
    [],
  );
  const criticals = flashingCriticals(alertsCh.data, acknowledged, serverNow);

  return (
    <div className={`screen screen-${view.screenState}`}>
      <Header city={city} mode={state.hello?.mode ?? null} now={now} view={view} />
      <CriticalAlert alerts={criticals} fresh={alertsFresh.fresh} serverNow={serverNow} onAcknowledge={acknowledge} />
      <main className="layout">
        <div className="col col-left">
          <KpiPanel total={v?.total ?? null} byType={v?.byType ?? null} stale={stale} />
          <CasesPanel data={casesCh.data} synced={casesCh.synced} serverNow={serverNow} />
          <SourcesPanel data={sourcesCh.data} freshness={sourcesFresh} serverNow={serverNow} />
        </div>
        <div className="col col-center">
          <StaleBanner state={state} view={view} />
          <CityMap
            districts={districts}
            byDistrict={v?.byDistrict ?? null}
            byStreet={v?.byStreet ?? null}
            stale={stale}
            alerts={openAlerts}
            alertsFresh={alertsFresh.fresh}
          />
          <TrendPanel trend={v?.trend ?? null} bucketMs={v?.bucketMs ?? 60_000} stale={stale} />
        </div>
        <div className="col col-right">
          <AlertList data={alertsCh.data} freshness={alertsFresh} serverNow={serverNow} />
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
