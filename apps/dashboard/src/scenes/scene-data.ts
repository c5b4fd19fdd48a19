import type {
  AlertView,
  AlertsChannelState,
  CasesChannelState,
  SourcesChannelState,
  VitalsSnapshot,
} from '@cityops/schema';
import type { MapColourBy } from '../charts/map-colour.js';
import type { DistrictsState } from '../components/use-districts.js';
import type { ChannelState } from '../feed/channel-feed.js';
import type { FeedState, FeedView } from '../feed/vitals-feed.js';
import type { Freshness } from '../feed/wall-state.js';

/** Everything a scene draws from, computed once per render in App. */
export interface SceneData {
  state: FeedState;
  view: FeedView;
  v: VitalsSnapshot | null;
  vitalsFresh: Freshness;
  alerts: ChannelState<AlertsChannelState>;
  alertsFresh: Freshness;
  /** open alerts, most severe first */
  openAlerts: AlertView[];
  sources: ChannelState<SourcesChannelState>;
  sourcesFresh: Freshness;
  cases: ChannelState<CasesChannelState>;
  casesFresh: Freshness;
  serverNow: number;
  districts: DistrictsState;
  colourBy: MapColourBy;
  onColourBy: (mode: MapColourBy) => void;
  /** the wide (3×1) layout */
  wide: boolean;
}
