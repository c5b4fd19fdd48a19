import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import { ErrorCodes } from '@cityops/schema';
import { AddressCounter, clientAddress } from './address-counter.js';
import { originAllowed } from './origin-policy.js';
import { guardSendBuffer } from './send-buffer-guard.js';
import { TokenBucket } from './token-bucket.js';

/** Answered (as `error-message`) to a resync over the rate. */
export const RESYNC_RATE_LIMITED = ErrorCodes.HTTP_RATE_LIMITED;
/** resyncs a screen may send in a row, then one a second */
export const RESYNC_BURST = 3;
export const RESYNC_PER_SECOND = 1;

export interface ScreenLimitsOptions {
  /** ALLOWED_ORIGINS; undefined: same origin and localhost of the served port */
  allowedOrigins: readonly string[] | undefined;
  /** MAX_SCREENS_PER_ADDRESS (0: no cap) */
  maxScreensPerAddress: number;
  /** SCREEN_MAX_BUFFER_BYTES */
  maxBufferBytes: number;
  /** the port the gateway listens on, once it does */
  servedPort: () => number;
}

/**
 * What keeps screens from hurting the server: the socket.io handshake is checked for Origin and
 * for the screens its address already holds; each socket's send buffer is bounded in bytes and
 * its resyncs are rate-limited. Counts what it refused and dropped, for /healthz.
 */
export class ScreenLimits {
  readonly counts = {
    refused: { origin: 0, perAddress: 0 },
    dropped: { slowReader: 0 },
    resyncsRateLimited: 0,
  };
  private readonly screens: AddressCounter;
  /** handshakes admitted whose engine.io session has not started yet: their place is held */
  private readonly pending = new WeakMap<IncomingMessage, () => void>();
  private readonly buckets = new WeakMap<Socket, TokenBucket>();

  constructor(private readonly opts: ScreenLimitsOptions) {
    this.screens = new AddressCounter(opts.maxScreensPerAddress);
  }

  /** engine.io's `allowRequest`: runs on every new session's handshake. */
  readonly allowRequest = (req: IncomingMessage, callback: (err: string | null, ok: boolean) => void): void => {
    if (!originAllowed(req.headers.origin, req.headers.host, this.opts.servedPort(), this.opts.allowedOrigins)) {
      this.counts.refused.origin++;
      callback('origin not allowed', false);
      return;
    }
    const address = clientAddress(req.socket.remoteAddress);
    if (!this.screens.tryAdd(address)) {
      this.counts.refused.perAddress++;
      callback('too many screens from this address', false);
      return;
    }
    // a WebSocket handshake completes asynchronously: hold the place from here, so concurrent
    // handshakes cannot pass the cap, and give it back if the session never starts
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.screens.remove(address);
    };
    this.pending.set(req, release);
    req.socket.once('close', () => {
      if (this.pending.get(req) !== release) return;
      this.pending.delete(req);
      release();
    });
    callback(null, true);
  };

  /** engine.io's `connection` (a session started): its place is given back when it closes. */
  readonly onSession = (conn: { request: IncomingMessage; once(event: 'close', fn: () => void): unknown }): void => {
    const release = this.pending.get(conn.request);
    if (release === undefined) return;
    this.pending.delete(conn.request);
    conn.once('close', release);
  };

  /** A socket.io socket connected: bound what the server holds for it. */
  guard(socket: Socket): void {
    this.buckets.set(socket, new TokenBucket(RESYNC_BURST, RESYNC_PER_SECOND));
    guardSendBuffer(socket, this.opts.maxBufferBytes, () => this.counts.dropped.slowReader++);
  }

  /** Whether this socket may have another snapshot now. */
  mayResync(socket: Socket): boolean {
    if (this.buckets.get(socket)?.take() !== false) return true;
    this.counts.resyncsRateLimited++;
    return false;
  }
}
