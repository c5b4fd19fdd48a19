import { io, type Socket } from 'socket.io-client';
import { applyMergePatch, type Delta, type Json, type Snapshot, type VitalsSnapshot } from '@cityops/schema';

/**
 * A test screen: keeps the vitals state from `snapshot` + `delta` exactly as a dashboard does,
 * and records every sequence number, so a test can check there was never a gap.
 */
export class ScreenClient {
  readonly socket: Socket;
  state: VitalsSnapshot | null = null;
  seq = 0;
  snapshots = 0;
  readonly gaps: string[] = [];

  /** `token`: a screen token or session (the handshake's `auth.token`); without one the gateway refuses it */
  constructor(url: string, token?: string) {
    this.socket = io(url, { transports: ['websocket'], reconnection: false, ...(token ? { auth: { token } } : {}) });
    this.socket.on('snapshot', (s: Snapshot<VitalsSnapshot>) => {
      this.state = s.state;
      this.seq = s.seq;
      this.snapshots++;
    });
    this.socket.on('delta', (d: Delta) => {
      if (this.state === null) return;
      if (d.seq !== this.seq + 1) {
        this.gaps.push(`expected ${this.seq + 1}, got ${d.seq}`);
        this.socket.emit('resync', { channel: 'vitals' });
        return;
      }
      this.state = applyMergePatch(this.state as unknown as Json, d.patch as Json) as unknown as VitalsSnapshot;
      this.seq = d.seq;
    });
  }

  close(): void {
    this.socket.close();
  }
}
