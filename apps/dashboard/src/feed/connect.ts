import { io } from 'socket.io-client';
import type { AlertsChannelState, CasesChannelState, SourcesChannelState } from '@cityops/schema';
import { wallToken } from '../api/auth-token.js';
import { replayHandshake } from '../replay/replay-param.js';
import { ChannelFeed } from './channel-feed.js';
import { VitalsFeed } from './vitals-feed.js';

export interface Feeds {
  vitals: VitalsFeed;
  alerts: ChannelFeed<AlertsChannelState>;
  sources: ChannelFeed<SourcesChannelState>;
  /** the alert desk's cases (issue 10), for the cases widget */
  cases: ChannelFeed<CasesChannelState>;
}

/**
 * Opens the socket to the gateway (same origin) and starts the feeds on it: vitals (sent to every
 * screen), alerts and sources (each subscribed on every connection). A wall screen must recover
 * on its own: when the server closes the connection (socket.io will not retry that case by
 * itself) we reconnect after a pause, so a gateway restart heals without a human.
 */
export function connectFeeds(): Feeds {
  // the screen token (from ?token=, kept in sessionStorage) in every handshake, reconnects included
  const socket = io({
    transports: ['websocket', 'polling'],
    reconnectionDelayMax: 5_000,
    auth: (cb) => {
      const token = wallToken();
      // a wall opened with ?replay=<id> gets that replay's vitals instead of the live ones
      cb({ ...(token ? { token } : {}), ...replayHandshake() });
    },
  });
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 2_000);
  });
  const feeds: Feeds = {
    vitals: new VitalsFeed(socket),
    alerts: new ChannelFeed<AlertsChannelState>('alerts', socket),
    sources: new ChannelFeed<SourcesChannelState>('sources', socket),
    cases: new ChannelFeed<CasesChannelState>('cases', socket),
  };
  feeds.vitals.start();
  feeds.alerts.start();
  feeds.sources.start();
  feeds.cases.start();
  return feeds;
}
