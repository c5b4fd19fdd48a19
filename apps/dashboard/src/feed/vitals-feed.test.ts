import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VitalsSnapshot } from '@cityops/schema';
import type { FeedSocket, SocketListener } from './feed-socket.js';
import { VitalsFeed } from './vitals-feed.js';

/** A fake socket: the server side is driven by `serverSends`, client emits are recorded. */
class FakeSocket implements FeedSocket {
  connected = false;
  readonly emitted: Array<[string, unknown]> = [];
  private readonly listeners = new Map<string, Set<SocketListener>>();

  on(event: string, listener: SocketListener): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }
  off(event: string, listener: SocketListener): this {
    this.listeners.get(event)?.delete(listener);
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
  resyncs(): number {
    return this.emitted.filter(([e]) => e === 'resync').length;
  }
}

const T0 = Date.parse('2025-06-01T08:00:00.000Z');

function vitals(over: Partial<VitalsSnapshot> = {}): VitalsSnapshot {
  return {
    asOf: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    total: { m1: 10, m15: 100 },
    byStreet: {},
    byDistrict: { '310101': { m1: 4, m15: 40 }, '310104': { m1: 6, m15: 60 } },
    bySource: { sim: { m1: 10, m15: 100 } },
    byType: { 'hotline.ticket': { m1: 2, m15: 20 } },
    trend: [[T0 - 60_000, 5]],
    bucketMs: 60_000,
    dropped: {},
    rebuilding: false,
    ...over,
  };
}

describe('VitalsFeed', () => {
  let socket: FakeSocket;
  let now: number;
  let feed: VitalsFeed;

  beforeEach(() => {
    vi.useFakeTimers();
    socket = new FakeSocket();
    now = T0;
    feed = new VitalsFeed(socket, { now: () => now, staleAfterMs: 10_000, offlineAfterMs: 5_000 });
    feed.start();
  });
  afterEach(() => {
    feed.stop();
    vi.useRealTimers();
  });

  function connectAndSync(seq = 1, state = vitals()): void {
    socket.serverSends('connect');
    socket.serverSends('hello', {
      mode: 'embedded',
      city: { id: 'shanghai', name: '上海', nameEn: 'Shanghai' },
      serverTime: new Date(now).toISOString(),
    });
    socket.serverSends('snapshot', { channel: 'vitals', seq, state });
  }

  it('is connecting, with no figures, until the first snapshot arrives', () => {
    expect(feed.view().screenState).toBe('connecting');
    socket.serverSends('connect');
    expect(feed.view().status).toBe('connecting');
    expect(feed.getState().vitals).toBeNull();
    socket.serverSends('snapshot', { channel: 'vitals', seq: 7, state: vitals() });
    expect(feed.view()).toMatchObject({ status: 'live', screenState: 'live', stale: false });
    expect(feed.getState().seq).toBe(7);
  });

  it('applies in-order deltas as merge patches', () => {
    connectAndSync(1);
    socket.serverSends('delta', { channel: 'vitals', seq: 2, patch: { total: { m1: 11 } } });
    socket.serverSends('delta', {
      channel: 'vitals',
      seq: 3,
      patch: { byDistrict: { '310101': { m15: 41 }, '310104': null }, total: { m15: 101 } },
    });
    const s = feed.getState();
    expect(s.seq).toBe(3);
    expect(s.vitals?.total).toEqual({ m1: 11, m15: 101 });
    expect(s.vitals?.byDistrict).toEqual({ '310101': { m1: 4, m15: 41 } });
    expect(s.stats.deltasApplied).toBe(2);
    expect(socket.resyncs()).toBe(0);
  });

  it('notifies subscribers with a new state object on each applied delta', () => {
    connectAndSync(1);
    const seen: unknown[] = [];
    feed.subscribe(() => seen.push(feed.getState()));
    const before = feed.getState();
    socket.serverSends('delta', { channel: 'vitals', seq: 2, patch: { total: { m1: 12 } } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toBe(before);
  });

  it('discards a delta after a gap, asks for a resync and keeps the last good state', () => {
    connectAndSync(1);
    socket.serverSends('delta', { channel: 'vitals', seq: 2, patch: { total: { m1: 11 } } });
    const good = feed.getState().vitals;
    socket.serverSends('delta', { channel: 'vitals', seq: 4, patch: { total: { m1: 999 } } });
    expect(socket.emitted).toContainEqual(['resync', { channel: 'vitals' }]);
    expect(feed.getState().vitals).toBe(good);
    expect(feed.getState().seq).toBe(2);
    // while the snapshot is on its way, later deltas are not applied on top of a hole
    socket.serverSends('delta', { channel: 'vitals', seq: 5, patch: { total: { m1: 555 } } });
    expect(feed.getState().vitals?.total.m1).toBe(11);
    expect(socket.resyncs()).toBe(1);
    expect(feed.view().screenState).not.toBe('live');
    socket.serverSends('snapshot', { channel: 'vitals', seq: 5, state: vitals({ total: { m1: 555, m15: 600 } }) });
    socket.serverSends('delta', { channel: 'vitals', seq: 6, patch: { total: { m1: 556 } } });
    expect(feed.getState().vitals?.total).toEqual({ m1: 556, m15: 600 });
    expect(feed.view().screenState).toBe('live');
    expect(feed.getState().stats.gaps).toBe(1);
  });

  it('ignores duplicate or old deltas without resyncing', () => {
    connectAndSync(5);
    socket.serverSends('delta', { channel: 'vitals', seq: 5, patch: { total: { m1: 1 } } });
    socket.serverSends('delta', { channel: 'vitals', seq: 3, patch: { total: { m1: 1 } } });
    expect(feed.getState().vitals?.total.m1).toBe(10);
    expect(socket.resyncs()).toBe(0);
  });

  it('asks again if the snapshot after a resync does not come', () => {
    connectAndSync(1);
    socket.serverSends('delta', { channel: 'vitals', seq: 3, patch: {} });
    expect(socket.resyncs()).toBe(1);
    vi.advanceTimersByTime(5_000);
    expect(socket.resyncs()).toBe(2);
  });

  it('after a reconnect, ignores deltas until the new snapshot replaces the state', () => {
    connectAndSync(10);
    socket.serverSends('disconnect', 'transport close');
    expect(feed.view()).toMatchObject({ status: 'reconnecting', screenState: 'offline', stale: true });
    // the old numbers are kept for context but never presented as live
    expect(feed.getState().vitals?.total.m1).toBe(10);

    socket.serverSends('connect');
    // the server restarted: its seq starts over, and a delta may race the snapshot
    socket.serverSends('delta', { channel: 'vitals', seq: 11, patch: { total: { m1: 777 } } });
    expect(feed.getState().vitals?.total.m1).toBe(10);
    expect(feed.view().status).toBe('reconnecting');

    socket.serverSends('snapshot', { channel: 'vitals', seq: 1, state: vitals({ total: { m1: 3, m15: 3 } }) });
    expect(feed.getState().seq).toBe(1);
    expect(feed.getState().vitals?.total).toEqual({ m1: 3, m15: 3 });
    socket.serverSends('delta', { channel: 'vitals', seq: 2, patch: { total: { m1: 4 } } });
    expect(feed.getState().vitals?.total.m1).toBe(4);
    expect(feed.view().screenState).toBe('live');
    // the server sends the snapshot unasked on connection; the client must not double the load
    expect(socket.resyncs()).toBe(0);
  });

  it('turns reconnecting into offline when the link stays down', () => {
    connectAndSync(1);
    socket.serverSends('disconnect', 'ping timeout');
    now += 4_000;
    expect(feed.view().status).toBe('reconnecting');
    now += 2_000;
    expect(feed.view()).toMatchObject({ status: 'offline', screenState: 'offline', downForMs: 6_000 });
  });

  it('is offline at once when the server closed the connection', () => {
    connectAndSync(1);
    socket.serverSends('disconnect', 'io server disconnect');
    expect(feed.view().status).toBe('offline');
  });

  it('marks figures stale when updatedAt is older than the threshold (fake clock)', () => {
    connectAndSync(1);
    now = T0 + 9_000;
    expect(feed.view()).toMatchObject({ screenState: 'live', stale: false, ageMs: 9_000 });
    now = T0 + 23_000;
    expect(feed.view()).toMatchObject({ screenState: 'stale', stale: true, ageMs: 23_000 });
    // a fresh aggregation brings it back
    socket.serverSends('delta', {
      channel: 'vitals',
      seq: 2,
      patch: { updatedAt: new Date(now - 1_000).toISOString() },
    });
    expect(feed.view()).toMatchObject({ screenState: 'live', ageMs: 1_000 });
  });

  it('measures age on the server clock, so a wrong wall-screen clock does not fake freshness', () => {
    // the screen's clock runs 60 s behind the server's
    now = T0 - 60_000;
    socket.serverSends('connect');
    socket.serverSends('hello', {
      mode: 'embedded',
      city: { id: 'x', name: 'x', nameEn: 'x' },
      serverTime: new Date(T0).toISOString(),
    });
    socket.serverSends('snapshot', {
      channel: 'vitals',
      seq: 1,
      state: vitals({ updatedAt: new Date(T0 - 30_000).toISOString() }),
    });
    expect(feed.view()).toMatchObject({ screenState: 'stale', ageMs: 30_000 });
  });

  it('is stale while there is no aggregation yet', () => {
    connectAndSync(1, vitals({ updatedAt: null }));
    expect(feed.view()).toMatchObject({ status: 'live', screenState: 'stale', ageMs: null });
  });
});
