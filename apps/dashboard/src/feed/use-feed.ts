import { useEffect, useState, useSyncExternalStore } from 'react';
import type { ChannelFeed, ChannelState } from './channel-feed.js';
import type { FeedState, VitalsFeed } from './vitals-feed.js';

/** The feed's state; re-renders at most once per applied message (a few per second, coalesced server-side). */
export function useFeedState(feed: VitalsFeed): FeedState {
  return useSyncExternalStore(
    (onChange) => feed.subscribe(onChange),
    () => feed.getState(),
  );
}

/** Wall-clock time, ticking: freshness degrades with time even when nothing arrives. */
export function useNow(intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

/** One subscribed channel's state (alerts, sources); re-renders once per applied message. */
export function useChannelState<T>(feed: ChannelFeed<T>): ChannelState<T> {
  return useSyncExternalStore(
    (onChange) => feed.subscribe(onChange),
    () => feed.getState(),
  );
}
