import { applyMergePatch } from '@cityops/schema';
import type { Delta, Json, Snapshot, VitalsSnapshot } from '@cityops/schema';
import { TERMINAL_DISCONNECT_REASONS } from './feed-socket.js';
import type { FeedSocket, HelloMessage, SocketListener } from './feed-socket.js';

export const VITALS_CHANNEL = 'vitals';

/** How the link to the gateway is doing, independent of how old the numbers are. */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

/**
 * What the screen may claim about its figures: `live` only when connected, synced and fresh.
 * Exactly the values of the status element's `data-state`.
 */
export type ScreenState = 'connecting' | 'live' | 'stale' | 'offline';

export interface FeedStats {
  snapshots: number;
  deltasApplied: number;
  /** deltas discarded because their seq did not follow the state's seq */
  gaps: number;
  resyncsSent: number;
}

/** The feed's state; replaced (never mutated) on every change, so it can be compared by reference. */
export interface FeedState {
  transport: 'connecting' | 'connected' | 'disconnected';
  /** true once a snapshot has been applied on some connection */
  everSynced: boolean;
  /** true from (re)connection or a detected gap until the next snapshot: deltas are discarded */
  awaitingSnapshot: boolean;
  vitals: VitalsSnapshot | null;
  seq: number | null;
  hello: HelloMessage | null;
  /**
   * server clock minus client clock, so freshness does not depend on the wall screen's clock:
   * first from `hello.serverTime`, then from the best of the recent `time` pings (see ClockEstimate)
   */
  clockOffsetMs: number;
  clock: ClockEstimate;
  /** client time of the last disconnect (or of start while never connected) */
  downSinceMs: number;
  /** the last disconnect was one socket.io will not retry by itself */
  terminal: boolean;
  stats: FeedStats;
}

/**
 * How the wall's clock compares with the gateway's. `hello.serverTime` gives a first estimate
 * (off by the one-way delay of that message); then every `pingIntervalMs` the feed sends `time`
 * with an acknowledgement callback and the gateway answers its clock: with t0 / t1 the local send
 * and receive times and s the server's time, offset = s − (t0 + t1) / 2, known to ± rtt / 2
 * (NTP's estimate). Of the last PING_SAMPLES answers, the one with the smallest round trip wins.
 */
export interface ClockEstimate {
  /** server − local, ms (same as FeedState.clockOffsetMs) */
  offsetMs: number;
  /** the round trip of the sample used (uncertainty ± rttMs / 2), null for `hello` or none */
  rttMs: number | null;
  via: 'none' | 'hello' | 'ping';
  /** local time of the sample, null when none */
  measuredAt: number | null;
}

/** drift as shown in the header: the wall's clock minus the server's (positive: the wall is ahead) */
export const driftMs = (c: ClockEstimate): number => -c.offsetMs;

/** ping answers kept for the best (least round trip) estimate */
export const PING_SAMPLES = 8;

/** Freshness of the figures at one instant, derived from the state and the clock. */
export interface FeedView {
  status: ConnectionStatus;
  screenState: ScreenState;
  /** true whenever the figures must not be presented as live */
  stale: boolean;
  /** age of `updatedAt` in ms on the server's clock, or null when there is no data */
  ageMs: number | null;
  /** how long the link has been down (reconnecting/offline/connecting), else null */
  downForMs: number | null;
  /** the wall's clock against the gateway's (for the header's drift and server-time clock) */
  clock: ClockEstimate;
  /** the vitals channel's seq, and snapshots applied so far (each reconnect or resync adds one) */
  seq: number | null;
  snapshots: number;
}

export interface VitalsFeedOptions {
  /** figures older than this (server wall time) are stale; default 10 s */
  staleAfterMs?: number;
  /** a link down longer than this is shown as offline rather than reconnecting; default 5 s */
  offlineAfterMs?: number;
  /** if the snapshot promised after (re)connection or a resync has not come by then, ask again; default 5 s */
  snapshotTimeoutMs?: number;
  /** how often the clock is compared with the gateway's (`time` ping); default 30 s, 0 = never */
  pingIntervalMs?: number;
  now?: () => number;
}

type Listener = () => void;

/**
 * The client half of decision 6: a snapshot, then deltas applied strictly in seq order.
 * A gap discards the delta and asks for a fresh snapshot (`resync`); after a reconnect,
 * deltas are ignored until the server's new snapshot arrives. Framework-free; React reads it
 * through `subscribe`/`getState` (useSyncExternalStore) and `view(now)` for freshness.
 *
 * @example
 *   const feed = new VitalsFeed(io('/'));
 *   feed.start();
 *   feed.subscribe(() => render(feed.getState(), feed.view()));
 */
export class VitalsFeed {
  private state: FeedState;
  private readonly listeners = new Set<Listener>();
  private readonly staleAfterMs: number;
  private readonly offlineAfterMs: number;
  private readonly snapshotTimeoutMs: number;
  private readonly now: () => number;
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pingIntervalMs: number;
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private pingId = 0;
  private readonly pings: Array<{ offsetMs: number; rttMs: number; at: number }> = [];
  private readonly handlers: Array<[string, SocketListener]>;

  constructor(
    private readonly socket: FeedSocket,
    options: VitalsFeedOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
    this.offlineAfterMs = options.offlineAfterMs ?? 5_000;
    this.snapshotTimeoutMs = options.snapshotTimeoutMs ?? 5_000;
    this.pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.state = {
      transport: 'connecting',
      everSynced: false,
      awaitingSnapshot: true,
      vitals: null,
      seq: null,
      hello: null,
      clockOffsetMs: 0,
      clock: { offsetMs: 0, rttMs: null, via: 'none', measuredAt: null },
      downSinceMs: this.now(),
      terminal: false,
      stats: { snapshots: 0, deltasApplied: 0, gaps: 0, resyncsSent: 0 },
    };
    this.handlers = [
      ['connect', () => this.onConnect()],
      ['disconnect', (reason: string) => this.onDisconnect(reason)],
      ['hello', (msg: HelloMessage) => this.onHello(msg)],
      ['snapshot', (msg: Snapshot<VitalsSnapshot>) => this.onSnapshot(msg)],
      ['delta', (msg: Delta) => this.onDelta(msg)],
    ];
  }

  /** Listens to the socket; if it is already connected, treats that as a fresh connection. */
  start(): void {
    for (const [event, handler] of this.handlers) this.socket.on(event, handler);
    if (this.socket.connected) this.onConnect();
  }

  stop(): void {
    for (const [event, handler] of this.handlers) this.socket.off(event, handler);
    this.clearSnapshotTimer();
    clearTimeout(this.pingTimer);
    this.listeners.clear();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getState(): FeedState {
    return this.state;
  }

  /** Connection status and freshness at `now`: call it on a timer, since staleness grows without events. */
  view(now: number = this.now()): FeedView {
    const s = this.state;
    const status = this.status(now);
    const updatedMs = s.vitals?.updatedAt ? Date.parse(s.vitals.updatedAt) : NaN;
    const ageMs = Number.isFinite(updatedMs) ? Math.max(0, now + s.clockOffsetMs - updatedMs) : null;
    const stale = status !== 'live' || ageMs === null || ageMs > this.staleAfterMs;
    const screenState: ScreenState =
      status === 'connecting' ? 'connecting' : status === 'live' ? (stale ? 'stale' : 'live') : 'offline';
    const downForMs = s.transport === 'connected' ? null : Math.max(0, now - s.downSinceMs);
    return { status, screenState, stale, ageMs, downForMs, clock: s.clock, seq: s.seq, snapshots: s.stats.snapshots };
  }

  private status(now: number): ConnectionStatus {
    const s = this.state;
    if (s.transport === 'connected') {
      if (!s.awaitingSnapshot) return 'live';
      return s.everSynced ? 'reconnecting' : 'connecting';
    }
    const longDown = now - s.downSinceMs > this.offlineAfterMs;
    if (s.terminal || longDown) return 'offline';
    return s.everSynced || s.transport === 'disconnected' ? 'reconnecting' : 'connecting';
  }

  private onConnect(): void {
    // the server sends `hello` and a `snapshot` on every connection; wait for it, ask only if it is late
    this.set({ transport: 'connected', awaitingSnapshot: true, terminal: false });
    this.armSnapshotTimer();
    this.schedulePing(0);
  }

  private onDisconnect(reason: string): void {
    this.clearSnapshotTimer();
    clearTimeout(this.pingTimer);
    this.set({
      transport: 'disconnected',
      awaitingSnapshot: true,
      downSinceMs: this.now(),
      terminal: TERMINAL_DISCONNECT_REASONS.has(reason),
    });
  }

  private onHello(msg: HelloMessage): void {
    const serverMs = Date.parse(msg.serverTime);
    // a ping's estimate (round trip known) is better than hello's (one-way delay unknown)
    if (!Number.isFinite(serverMs) || this.state.clock.via === 'ping') {
      this.set({ hello: msg });
      return;
    }
    const at = this.now();
    const clock: ClockEstimate = { offsetMs: serverMs - at, rttMs: null, via: 'hello', measuredAt: at };
    this.set({ hello: msg, clockOffsetMs: clock.offsetMs, clock });
  }

  private schedulePing(delayMs: number): void {
    clearTimeout(this.pingTimer);
    if (this.pingIntervalMs <= 0) return;
    this.pingTimer = setTimeout(() => this.ping(), delayMs);
  }

  /** one `time` ping; a late answer (after the next ping went, or after a reconnect) is ignored */
  private ping(): void {
    if (this.state.transport !== 'connected') return;
    const id = ++this.pingId;
    const t0 = this.now();
    this.socket.emit('time', (reply: unknown) => {
      const t1 = this.now();
      if (id !== this.pingId || this.state.transport !== 'connected') return;
      const s = Date.parse(String((reply as { serverTime?: unknown } | null)?.serverTime));
      if (!Number.isFinite(s) || t1 < t0) return;
      this.onPingAnswer(s - (t0 + t1) / 2, t1 - t0, t1);
    });
    this.schedulePing(this.pingIntervalMs);
  }

  private onPingAnswer(offsetMs: number, rttMs: number, at: number): void {
    this.pings.push({ offsetMs, rttMs, at });
    if (this.pings.length > PING_SAMPLES) this.pings.shift();
    const best = this.pings.reduce((a, b) => (b.rttMs < a.rttMs ? b : a));
    const clock: ClockEstimate = {
      offsetMs: Math.round(best.offsetMs),
      rttMs: best.rttMs,
      via: 'ping',
      measuredAt: best.at,
    };
    this.set({ clockOffsetMs: clock.offsetMs, clock });
  }

  private onSnapshot(msg: Snapshot<VitalsSnapshot>): void {
    if (msg.channel !== VITALS_CHANNEL || typeof msg.seq !== 'number') return;
    this.clearSnapshotTimer();
    const stats = { ...this.state.stats, snapshots: this.state.stats.snapshots + 1 };
    this.set({ vitals: msg.state, seq: msg.seq, awaitingSnapshot: false, everSynced: true, stats });
  }

  private onDelta(msg: Delta): void {
    if (msg.channel !== VITALS_CHANNEL || typeof msg.seq !== 'number') return;
    const s = this.state;
    // a snapshot is on its way; anything before it is superseded by it
    if (s.awaitingSnapshot || s.vitals === null || s.seq === null) return;
    // already contained in the state (e.g. a delta that raced the snapshot)
    if (msg.seq <= s.seq) return;
    if (msg.seq !== s.seq + 1) {
      // a lost delta: applying this one would silently corrupt the figures
      this.set({ awaitingSnapshot: true, stats: { ...s.stats, gaps: s.stats.gaps + 1 } });
      this.requestResync();
      return;
    }
    const vitals = applyMergePatch(s.vitals as unknown as Json, msg.patch as Json) as unknown as VitalsSnapshot;
    this.set({ vitals, seq: msg.seq, stats: { ...s.stats, deltasApplied: s.stats.deltasApplied + 1 } });
  }

  private requestResync(): void {
    this.socket.emit('resync', { channel: VITALS_CHANNEL });
    this.state = { ...this.state, stats: { ...this.state.stats, resyncsSent: this.state.stats.resyncsSent + 1 } };
    this.armSnapshotTimer();
    this.notify();
  }

  private armSnapshotTimer(): void {
    this.clearSnapshotTimer();
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      if (this.state.transport === 'connected' && this.state.awaitingSnapshot) this.requestResync();
    }, this.snapshotTimeoutMs);
  }

  private clearSnapshotTimer(): void {
    if (this.snapshotTimer !== undefined) clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
  }

  private set(patch: Partial<FeedState>): void {
    this.state = { ...this.state, ...patch };
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
