import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export interface SlowReaderOptions {
  url: string;
  /** a screen token for the handshake (`?token=`): the gateway refuses a socket without one */
  token: string;
  /** `resync` messages sent while not reading */
  resyncs: number;
  /** how long the reader does not read, ms */
  pauseMs: number;
}

export interface SlowReaderResult {
  handshake: boolean;
  resyncsSent: number;
  /** snapshots that reached the reader once it read again (what the server kept for it) */
  snapshots: number;
  /** bytes the server had sent or kept for the reader */
  bytes: number;
  /** the server closed the connection (dropped the slow reader) */
  closedByServer: boolean;
  /** error messages the server sent (e.g. rate limited) */
  errorMessages: number;
}

/** One masked WebSocket text frame from a client. */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

/** Splits the server's (unmasked) frames out of `buf`; returns the texts and what is left. */
function frames(buf: Buffer): { texts: string[]; rest: Buffer } {
  const texts: string[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    let len = buf[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      len = Number(buf.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (buf.length - at < head + len) break;
    if ((buf[at]! & 0x0f) === 1) texts.push(buf.subarray(at + head, at + head + len).toString('utf8'));
    at += head + len;
  }
  return { texts, rest: buf.subarray(at) };
}

/**
 * A socket.io screen that asks for `resync` over and over and does not read: a raw WebSocket
 * (engine.io v4) whose TCP socket is paused, so whatever the server sends piles up on its side
 * once the kernel buffers are full. After `pauseMs` it reads again and counts what it gets.
 */
export function runSlowReader(o: SlowReaderOptions): Promise<SlowReaderResult> {
  const { hostname, port } = new URL(o.url);
  const origin = `http://${hostname}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const result: SlowReaderResult = {
      handshake: false,
      resyncsSent: 0,
      snapshots: 0,
      bytes: 0,
      closedByServer: false,
      errorMessages: 0,
    };
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve(result);
    };
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!finished) result.closedByServer = true;
      finish();
    });
    socket.on('connect', () => {
      socket.write(
        `GET /socket.io/?EIO=4&transport=websocket&token=${encodeURIComponent(o.token)} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nOrigin: ${origin}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let quiet: NodeJS.Timeout | undefined;
    const onFrames = (texts: string[]) => {
      for (const t of texts) {
        if (t.startsWith('0')) socket.write(frame('40'));
        else if (t === '2') socket.write(frame('3'));
        else if (t.startsWith('40') && !result.handshake) {
          result.handshake = true;
          flood();
        } else if (t.startsWith('42["snapshot"')) result.snapshots++;
        else if (t.startsWith('42["error-message"')) result.errorMessages++;
      }
    };
    socket.on('data', (d: Buffer) => {
      result.bytes += d.length;
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!/^HTTP\/1\.1 101/.test(buf.toString('latin1', 0, 12))) return finish();
        upgraded = true;
        buf = buf.subarray(end + 4);
      }
      const { texts, rest } = frames(buf);
      buf = Buffer.from(rest);
      onFrames(texts);
      if (quiet) {
        // reading again: done once nothing more comes for a second
        clearTimeout(quiet);
        quiet = setTimeout(finish, 1_000);
      }
    });
    const flood = () => {
      const one = frame('42["resync",{"channel":"vitals"}]');
      // the client stops reading, then writes every resync at once
      socket.pause();
      for (let i = 0; i < o.resyncs; i++) socket.write(one);
      result.resyncsSent = o.resyncs;
      setTimeout(() => {
        quiet = setTimeout(finish, 1_000);
        socket.resume();
      }, o.pauseMs);
    };
    setTimeout(finish, o.pauseMs + 60_000).unref();
  });
}
