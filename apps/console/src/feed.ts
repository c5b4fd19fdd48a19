import { io, type Socket } from 'socket.io-client';
import { applyMergePatch, type CasesChannelState, type Delta, type Json, type Snapshot } from '@cityops/schema';

export interface CasesFeedState {
  data: CasesChannelState | null;
  seq: number | null;
  /** connected, and this connection's snapshot applied */
  synced: boolean;
  /** server clock minus this clock (from `hello`), so deadlines count on the server's time */
  clockOffsetMs: number;
  error?: string;
}

/**
 * The `cases` channel for the console (decision 6): on every connection `subscribe`, apply the
 * snapshot, then deltas strictly in seq order; a gap asks for a `resync`. The socket carries the
 * session token in its handshake (`auth.token`), as the gateway's socket door wants.
 */
export class CasesFeed {
  private state: CasesFeedState = { data: null, seq: null, synced: false, clockOffsetMs: 0 };
  private readonly listeners = new Set<() => void>();
  readonly socket: Socket;

  constructor(token: string | null) {
    this.socket = io({
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 5_000,
      auth: token ? { token } : {},
    });
    const s = this.socket;
    s.on('connect', () => {
      this.set({ synced: false });
      s.emit('subscribe', { channels: ['cases'] });
    });
    s.on('disconnect', (reason) => {
      this.set({ synced: false });
      if (reason === 'io server disconnect') setTimeout(() => s.connect(), 2_000);
    });
    s.on('connect_error', (err: Error) => this.set({ error: err.message }));
    s.on('hello', (h: { serverTime?: string }) => {
      if (h?.serverTime) this.set({ clockOffsetMs: Date.parse(h.serverTime) - Date.now() });
    });
    s.on('error-message', (m: { code?: string; message?: string }) => this.set({ error: m?.code ?? 'error' }));
    s.on('snapshot', (m: Snapshot<CasesChannelState>) => {
      if (m?.channel !== 'cases') return;
      this.set({ data: m.state, seq: m.seq, synced: true, error: undefined });
    });
    s.on('delta', (m: Delta) => {
      if (m?.channel !== 'cases') return;
      const st = this.state;
      if (!st.synced || st.data === null || st.seq === null || m.seq <= st.seq) return;
      if (m.seq !== st.seq + 1) {
        this.set({ synced: false });
        s.emit('resync', { channel: 'cases' });
        return;
      }
      const data = applyMergePatch(st.data as unknown as Json, m.patch as Json) as unknown as CasesChannelState;
      this.set({ data, seq: m.seq });
    });
  }

  close(): void {
    this.socket.close();
    this.listeners.clear();
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getState = (): CasesFeedState => this.state;

  private set(patch: Partial<CasesFeedState>): void {
    const next = { ...this.state, ...patch };
    if (patch.error === undefined && 'error' in patch) delete next.error;
    this.state = next;
    for (const l of this.listeners) l();
  }
}
