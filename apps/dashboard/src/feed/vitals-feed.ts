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
  /** server clock minus client clock, from `hello`, so freshness does not depend on the wall screen's clock */
  clockOffsetMs: number;
  /** client time of the last disconnect (or of start while never connected) */
  downSinceMs: number;
  /** the last disconnect was one socket.io will not retry by itself */
  terminal: boolean;
  stats: FeedStats;
}

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
}

export interface VitalsFeedOptions {
  /** figures older than this (server wall time) are stale; default 10 s */
  staleAfterMs?: number;
  /** a link down longer than this is shown as offline rather than reconnecting; default 5 s */
  offlineAfterMs?: number;
  /** if the snapshot promised after (re)connection or a resync has not come by then, ask again; default 5 s */
  snapshotTimeoutMs?: number;
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
  private readonly handlers: Array<[string, SocketListener]>;

  constructor(
    private readonly socket: FeedSocket,
    options: VitalsFeedOptions = {},
  ) {
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
    this.offlineAfterMs = options.offlineAfterMs ?? 5_000;
    this.snapshotTimeoutMs = options.snapshotTimeoutMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.state = {
      transport: 'connecting',
      everSynced: false,
      awaitingSnapshot: true,
      vitals: null,
      seq: null,
      hello: null,
      clockOffsetMs: 0,
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
    return { status, screenState, stale, ageMs, downForMs };
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
  }

  private onDisconnect(reason: string): void {
    this.clearSnapshotTimer();
    this.set({
      transport: 'disconnected',
      awaitingSnapshot: true,
      downSinceMs: this.now(),
      terminal: TERMINAL_DISCONNECT_REASONS.has(reason),
    });
  }

  private onHello(msg: HelloMessage): void {
    const serverMs = Date.parse(msg.serverTime);
    const clockOffsetMs = Number.isFinite(serverMs) ? serverMs - this.now() : 0;
    this.set({ hello: msg, clockOffsetMs });
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
