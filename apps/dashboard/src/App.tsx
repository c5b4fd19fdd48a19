import { useCallback, useMemo, useState } from 'react';
import { parseColourBy } from './charts/map-colour.js';
import type { MapColourBy } from './charts/map-colour.js';
import { CriticalAlert } from './components/CriticalAlert.js';
import { Header } from './components/Header.js';
import { useCity } from './components/use-city.js';
import { useDistricts } from './components/use-districts.js';
import type { Feeds } from './feed/connect.js';
import { useChannelState, useFeedState, useNow } from './feed/use-feed.js';
import {
  alertsFreshness,
  casesFreshness,
  flashingCriticals,
  sortedAlerts,
  sourcesFreshness,
  vitalsFreshness,
} from './feed/wall-state.js';
import { parseWallPreset } from './layout/fit.js';
import { Stage } from './layout/Stage.js';
import { parsePlaylist } from './scenes/playlist.js';
import type { SceneData } from './scenes/scene-data.js';
import { SceneBar } from './scenes/SceneBar.js';
import { SceneView } from './scenes/Scenes.js';
import { usePlaylist } from './scenes/use-playlist.js';

/** The wall's settings from its URL (`?wall=`, `?scenes=&every=`, `?color=`), read once. */
function readUrl() {
  const q = window.location.search;
  const wall = parseWallPreset(q);
  const playlist = parsePlaylist(q);
  const colour = parseColourBy(q);
  const issues = [wall.issue, ...playlist.issues, colour.issue].filter((i): i is string => i !== null);
  return { wall: wall.preset, playlist, colourBy: colour.colourBy, issues };
}

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
  const vitalsFresh = vitalsFreshness(state, view);
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
  const [url] = useState(readUrl);
  const [colourBy, setColourBy] = useState<MapColourBy>(url.colourBy);
  const onColourBy = useCallback((mode: MapColourBy) => {
    setColourBy(mode);
    // kept in the address, so a reload (or the kiosk's restart) shows the same colouring
    const u = new URL(window.location.href);
    u.searchParams.set('color', mode);
    window.history.replaceState(window.history.state, '', u);
  }, []);
  const [playlist, dispatch] = usePlaylist(
    url.playlist,
    criticals.map((a) => a.alertId),
  );
  const sceneData = (wide: boolean): SceneData => ({
    state,
    view,
    v,
    vitalsFresh,
    alerts: alertsCh,
    alertsFresh,
    openAlerts,
    sources: sourcesCh,
    sourcesFresh,
    cases: casesCh,
    casesFresh: casesFreshness(casesCh, serverNow),
    serverNow,
    districts,
    colourBy,
    onColourBy,
    wide,
  });

  return (
    <Stage preset={url.wall}>
      {(fit) => (
        <div className={`screen screen-${view.screenState}`}>
          <Header city={city} mode={state.hello?.mode ?? null} now={now} view={view} />
          <CriticalAlert
            alerts={criticals}
            fresh={alertsFresh.fresh}
            serverNow={serverNow}
            onAcknowledge={acknowledge}
          />
          <SceneBar config={url.playlist} state={playlist} now={now} issues={url.issues} dispatch={dispatch} />
          <SceneView scene={playlist.scene} data={sceneData(fit.wide)} />
        </div>
      )}
    </Stage>
  );
}
