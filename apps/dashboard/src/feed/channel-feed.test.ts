import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedSocket, SocketListener } from './feed-socket.js';
import { ChannelFeed } from './channel-feed.js';

class FakeSocket implements FeedSocket {
  connected = false;
  readonly emitted: Array<[string, unknown]> = [];
  private readonly listeners = new Map<string, Set<SocketListener>>();
  on(event: string, l: SocketListener): this {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(l);
    return this;
  }
  off(event: string, l: SocketListener): this {
    this.listeners.get(event)?.delete(l);
    return this;
  }
  emit(event: string, ...args: unknown[]): this {
    this.emitted.push([event, args[0]]);
    return this;
  }
  serverSends(event: string, payload?: unknown): void {
    if (event === 'connect') this.connected = true;
    if (event === 'disconnect') this.connected = false;
    for (const l of this.listeners.get(event) ?? []) (l as (p: unknown) => void)(payload);
  }
}

type S = { items: Record<string, number> };

describe('ChannelFeed', () => {
  let socket: FakeSocket;
  let feed: ChannelFeed<S>;
  beforeEach(() => {
    vi.useFakeTimers();
    socket = new FakeSocket();
    feed = new ChannelFeed<S>('alerts', socket);
    feed.start();
  });
  afterEach(() => {
    feed.stop();
    vi.useRealTimers();
  });

  it('subscribes on every connection and applies its own channel only, in seq order', () => {
    socket.serverSends('connect');
    expect(socket.emitted).toEqual([['subscribe', { channels: ['alerts'] }]]);
    socket.serverSends('snapshot', { channel: 'vitals', seq: 9, state: { total: 1 } });
    expect(feed.getState().data).toBeNull();
    socket.serverSends('snapshot', { channel: 'alerts', seq: 3, state: { items: { a: 1 } } });
    socket.serverSends('delta', { channel: 'vitals', seq: 10, patch: { total: 2 } });
    socket.serverSends('delta', { channel: 'alerts', seq: 4, patch: { items: { b: 2 } } });
    expect(feed.getState()).toMatchObject({ data: { items: { a: 1, b: 2 } }, seq: 4, synced: true });
    socket.serverSends('disconnect', 'transport close');
    expect(feed.getState().synced).toBe(false);
    socket.serverSends('connect');
    expect(socket.emitted.filter(([e]) => e === 'subscribe')).toHaveLength(2);
  });

  it('a gap discards the delta and resyncs this channel; a late snapshot is asked for again', () => {
    socket.serverSends('connect');
    socket.serverSends('snapshot', { channel: 'alerts', seq: 1, state: { items: {} } });
    socket.serverSends('delta', { channel: 'alerts', seq: 3, patch: { items: { x: 1 } } });
    expect(feed.getState()).toMatchObject({ data: { items: {} }, synced: false, gaps: 1 });
    expect(socket.emitted).toContainEqual(['resync', { channel: 'alerts' }]);
    vi.advanceTimersByTime(5_000);
    expect(socket.emitted.filter(([e]) => e === 'resync')).toHaveLength(2);
    socket.serverSends('snapshot', { channel: 'alerts', seq: 3, state: { items: { x: 1 } } });
    expect(feed.getState()).toMatchObject({ synced: true, seq: 3 });
  });
});
