import type { Socket } from 'socket.io';

/** The parts of engine.io's per-connection socket this guard reads (not in its public types). */
interface EngineConn {
  writeBuffer: Array<{ data?: unknown }>;
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  on(event: 'packetCreate', fn: (packet: { data?: unknown }) => void): unknown;
  on(event: 'flush', fn: () => void): unknown;
  close(discard?: boolean): unknown;
}

const packetBytes = (p: { data?: unknown }): number =>
  typeof p.data === 'string' ? Buffer.byteLength(p.data) : Buffer.isBuffer(p.data) ? p.data.length : 0;

/**
 * Bytes the server holds for one socket: packets in engine.io's write buffer (queued while
 * the transport is still writing) plus what the WebSocket has handed to Node but the kernel
 * has not taken (ws `bufferedAmount`). A reader that stops reading makes both grow.
 */
export function heldBytes(socket: Socket): number {
  const conn = socket.conn as unknown as EngineConn;
  let n = 0;
  for (const p of conn.writeBuffer) n += packetBytes(p);
  return n + (conn.transport.socket?.bufferedAmount ?? 0);
}

/**
 * Back-pressure for one socket: before a packet is queued, if what the server already holds for
 * it plus the packet would pass `maxBytes`, the socket is dropped at once and everything queued
 * for it freed (a WebSocket is terminated, not closed: a close frame would wait behind the
 * backlog). The client sees its transport close; socket.io clients reconnect by themselves with
 * back-off and get a fresh snapshot on connect, so a slow screen resyncs later, while the server
 * never holds more than `maxBytes` (plus the one packet that tripped it) for any reader.
 * The write buffer is summed incrementally: a backlog of many small packets stays O(1) a packet.
 */
export function guardSendBuffer(socket: Socket, maxBytes: number, onDrop: () => void): void {
  const conn = socket.conn as unknown as EngineConn;
  // bytes in conn.writeBuffer since it was last handed to the transport; socket.io has queued its
  // connect answer before the socket is handed to us
  let queued = conn.writeBuffer.reduce((n, p) => n + packetBytes(p), 0);
  let dropped = false;
  conn.on('flush', () => {
    queued = 0;
  });
  conn.on('packetCreate', (packet) => {
    if (dropped) return;
    queued += packetBytes(packet);
    if (queued + (conn.transport.socket?.bufferedAmount ?? 0) <= maxBytes) return;
    dropped = true;
    onDrop();
    // terminate first: engine.io would close a WebSocket politely, its close frame queued behind
    // the backlog; then close the session at once, so nothing more is queued for it
    if (conn.transport.name === 'websocket') conn.transport.socket?.terminate?.();
    conn.close(true);
  });
}
