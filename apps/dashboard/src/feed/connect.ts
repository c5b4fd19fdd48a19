import { io } from 'socket.io-client';
import { VitalsFeed } from './vitals-feed.js';

/**
 * Opens the socket to the gateway (same origin) and starts a feed on it. A wall screen must
 * recover on its own: when the server closes the connection (socket.io will not retry that
 * case by itself) we reconnect after a pause, so a gateway restart heals without a human.
 */
export function connectVitalsFeed(): VitalsFeed {
  const socket = io({ transports: ['websocket', 'polling'], reconnectionDelayMax: 5_000 });
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 2_000);
  });
  const feed = new VitalsFeed(socket);
  feed.start();
  return feed;
}
