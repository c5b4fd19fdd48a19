import { applyMergePatch } from '@cityops/schema';
import type { Delta, Json, Snapshot } from '@cityops/schema';
import type { FeedSocket, SocketListener } from './feed-socket.js';

/** One channel's state on the screen; replaced (never mutated) on every change. */
export interface ChannelState<T> {
  /** the channel's state, kept for context while not synced; null before the first snapshot */
  data: T | null;
  seq: number | null;
  /** connected and the snapshot of this connection applied: deltas are being followed */
  synced: boolean;
  /** the socket is up (false: the gateway is unreachable); absent in states made before this field */
  connected?: boolean;
  gaps: number;
  resyncsSent: number;
}

export interface ChannelFeedOptions {
  /** if the snapshot after `subscribe` or a resync has not come by then, ask again; default 5 s */
  snapshotTimeoutMs?: number;
}

/**
 * The client half of decision 6 for one of the gateway's subscribed channels (`alerts`,
 * `sources`): on every connection it sends `subscribe`, applies the channel's snapshot, then its
 * deltas strictly in seq order; a gap discards the delta and asks for a `resync` of this channel
 * only. Messages of other channels on the same socket are ignored. Framework-free, like VitalsFeed.
 */
export class ChannelFeed<T> {
  private state: ChannelState<T> = {
    data: null,
    seq: null,
    synced: false,
    connected: false,
    gaps: 0,
    resyncsSent: 0,
  };
  private readonly listeners = new Set<() => void>();
  private readonly handlers: Array<[string, SocketListener]>;
  private readonly snapshotTimeoutMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly channel: string,
    private readonly socket: FeedSocket,
    options: ChannelFeedOptions = {},
  ) {
    this.snapshotTimeoutMs = options.snapshotTimeoutMs ?? 5_000;
    this.handlers = [
      ['connect', () => this.onConnect()],
      ['disconnect', () => this.set({ synced: false, connected: false })],
      ['snapshot', (m: Snapshot<T>) => this.onSnapshot(m)],
      ['delta', (m: Delta) => this.onDelta(m)],
    ];
  }

  start(): void {
    for (const [event, handler] of this.handlers) this.socket.on(event, handler);
    if (this.socket.connected) this.onConnect();
  }

  stop(): void {
    for (const [event, handler] of this.handlers) this.socket.off(event, handler);
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getState(): ChannelState<T> {
    return this.state;
  }

  private onConnect(): void {
    this.set({ synced: false, connected: true });
    this.socket.emit('subscribe', { channels: [this.channel] });
    this.arm();
  }

  private onSnapshot(m: Snapshot<T>): void {
    if (m?.channel !== this.channel || typeof m.seq !== 'number') return;
    clearTimeout(this.timer);
    this.set({ data: m.state, seq: m.seq, synced: true });
  }

  private onDelta(m: Delta): void {
    if (m?.channel !== this.channel || typeof m.seq !== 'number') return;
    const s = this.state;
    if (!s.synced || s.data === null || s.seq === null || m.seq <= s.seq) return;
    if (m.seq !== s.seq + 1) {
      this.set({ synced: false, gaps: s.gaps + 1 });
      this.resync();
      return;
    }
    const data = applyMergePatch(s.data as unknown as Json, m.patch as Json) as unknown as T;
    this.set({ data, seq: m.seq });
  }

  private resync(): void {
    this.socket.emit('resync', { channel: this.channel });
    this.set({ resyncsSent: this.state.resyncsSent + 1 });
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.socket.connected && !this.state.synced) this.resync();
    }, this.snapshotTimeoutMs);
  }

  private set(patch: Partial<ChannelState<T>>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
}
