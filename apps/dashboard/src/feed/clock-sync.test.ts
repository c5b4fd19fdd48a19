import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedSocket, SocketListener } from './feed-socket.js';
import { driftMs, VitalsFeed } from './vitals-feed.js';

/** A fake socket whose `time` pings are answered by a server clock `skewMs` ahead, after `rttMs`. */
class ClockSocket implements FeedSocket {
  connected = false;
  pings = 0;
  private readonly listeners = new Map<string, Set<SocketListener>>();
  constructor(
    private readonly local: () => number,
    private readonly advance: (ms: number) => void,
    public skewMs: number,
    public rttMs: number[],
  ) {}
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
    if (event !== 'time') return this;
    const ack = args[0] as (r: unknown) => void;
    const rtt = this.rttMs[this.pings++ % this.rttMs.length]!;
    // the server reads its clock half-way through the round trip
    this.advance(rtt / 2);
    const serverTime = new Date(this.local() + this.skewMs).toISOString();
    this.advance(rtt / 2);
    ack({ serverTime });
    return this;
  }
  serverSends(event: string, payload?: unknown): void {
    if (event === 'connect') this.connected = true;
    if (event === 'disconnect') this.connected = false;
    for (const l of this.listeners.get(event) ?? []) (l as (p: unknown) => void)(payload);
  }
}

const T0 = Date.parse('2026-12-01T08:00:00.000Z');

describe('server clock drift', () => {
  let now: number;
  let socket: ClockSocket;
  let feed: VitalsFeed;
  beforeEach(() => {
    vi.useFakeTimers();
    now = T0;
    // the wall's clock is 90 s behind the server's
    socket = new ClockSocket(
      () => now,
      (ms) => (now += ms),
      90_000,
      [400, 40, 200],
    );
    feed = new VitalsFeed(socket, { now: () => now, pingIntervalMs: 30_000 });
    feed.start();
  });
  afterEach(() => {
    feed.stop();
    vi.useRealTimers();
  });

  it('first from hello (one-way delay unknown), then from pings: the least round trip wins', async () => {
    socket.serverSends('connect');
    // hello took 300 ms to arrive: its estimate is off by that much
    socket.serverSends('hello', {
      mode: 'embedded',
      city: { id: 'c', name: 'c', nameEn: 'c' },
      serverTime: new Date(now + 90_000 - 300).toISOString(),
    });
    expect(feed.getState().clock).toMatchObject({ via: 'hello', offsetMs: 89_700, rttMs: null });
    await vi.advanceTimersByTimeAsync(0);
    // the first ping had a 400 ms round trip: right to within ± 200 ms, here exactly (symmetric)
    expect(feed.getState().clock).toMatchObject({ via: 'ping', offsetMs: 90_000, rttMs: 400 });
    expect(driftMs(feed.getState().clock)).toBe(-90_000);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(feed.getState().clock.rttMs).toBe(40);
    // a worse sample later does not replace the better one
    await vi.advanceTimersByTimeAsync(30_000);
    expect(socket.pings).toBe(3);
    expect(feed.getState().clock.rttMs).toBe(40);
    expect(feed.getState().clockOffsetMs).toBe(90_000);
  });

  it('freshness is judged on the server clock: the wall behind by 90 s still sees old data as old', async () => {
    socket.serverSends('connect');
    await vi.advanceTimersByTimeAsync(0);
    // the aggregator stamped its batch 20 s ago on the server's clock (= 70 s ahead of the wall's)
    socket.serverSends('snapshot', {
      channel: 'vitals',
      seq: 1,
      state: {
        asOf: null,
        updatedAt: new Date(now + 90_000 - 20_000).toISOString(),
        total: { m1: 0, m15: 0 },
        byDistrict: {},
        byStreet: {},
        bySource: {},
        byType: {},
        trend: [],
        bucketMs: 60_000,
        dropped: {},
        rebuilding: false,
      },
    });
    const v = feed.view(now);
    expect(v.ageMs).toBeGreaterThanOrEqual(20_000);
    expect(v.ageMs).toBeLessThan(20_500);
    expect(v.stale).toBe(true);
  });

  it('does not ping while down, and pings again on reconnect', async () => {
    socket.serverSends('connect');
    await vi.advanceTimersByTimeAsync(0);
    socket.serverSends('disconnect', 'transport close');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(socket.pings).toBe(1);
    socket.serverSends('connect');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.pings).toBe(2);
  });
});
