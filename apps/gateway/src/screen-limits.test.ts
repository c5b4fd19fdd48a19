import type { Socket as NetSocket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Socket as ServerSocket } from 'socket.io';
import { startTestGateway, type TestGateway } from './test/test-gateway.js';

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

/** the screen token of the gateway the running test started (one gateway per test) */
let token = '';
async function gatewayWith(env: Record<string, string>): Promise<TestGateway> {
  const gw = await startTestGateway(env);
  open.push(() => gw.close());
  token = gw.screenToken;
  return gw;
}

function screen(url: string, origin?: string): Socket {
  const s = connect(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token },
    ...(origin === undefined ? {} : { extraHeaders: { origin } }),
  });
  open.push(() => void s.close());
  return s;
}

/** Resolves 'hello' once the server greets the screen, or 'refused' on a connect_error. */
function outcome(s: Socket): Promise<'hello' | 'refused'> {
  return new Promise((resolve) => {
    s.once('hello', () => resolve('hello'));
    s.once('connect_error', () => resolve('refused'));
  });
}

/**
 * What the server holds for one socket and has not yet written to the kernel: engine.io's
 * write buffer plus the WebSocket's userland buffer (ws `bufferedAmount`). Read from the
 * libraries' own fields, so it measures the server whatever the gateway does about it.
 */
function heldBytes(s: ServerSocket): number {
  const conn = s.conn as unknown as {
    writeBuffer: Array<{ data?: unknown }>;
    transport: { socket?: { bufferedAmount?: number } };
  };
  let n = 0;
  for (const p of conn.writeBuffer) n += typeof p.data === 'string' ? Buffer.byteLength(p.data) : 0;
  return n + (conn.transport.socket?.bufferedAmount ?? 0);
}

async function screensHealth(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(new URL('/healthz', url), { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { components: { screens: never } };
  return body.components.screens;
}

describe('a screen that floods resync and stops reading', () => {
  it('is dropped once the server holds SCREEN_MAX_BUFFER_BYTES for it, and what it held stays under that bound', async () => {
    const limit = 64 * 1024;
    const gw = await gatewayWith({ SCREEN_MAX_BUFFER_BYTES: String(limit) });
    let max = 0;
    const disconnected = new Promise<string>((resolve) => {
      gw.gateway.io.on('connection', (s) => {
        s.on('disconnect', (reason) => resolve(reason));
        // measured as each packet is queued (a timer would hardly run during the flood);
        // a session already closed holds nothing: its buffers are dropped
        (s.conn as unknown as { on(e: 'packetCreate', f: (p: { data?: unknown }) => void): void }).on(
          'packetCreate',
          (p) => {
            if (s.conn.readyState !== 'open') return;
            max = Math.max(max, heldBytes(s) + (typeof p.data === 'string' ? Buffer.byteLength(p.data) : 0));
          },
        );
      });
    });
    const s = screen(gw.url);
    expect(await outcome(s)).toBe('hello');
    // stop reading: the kernel buffers fill, then everything the server sends stays in its memory
    (s.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket.pause();
    let gone = false;
    void disconnected.then(() => (gone = true));
    for (let i = 0; i < 200 && !gone; i++) {
      for (let j = 0; j < 250; j++) s.emit('resync', { channel: 'vitals' });
      await new Promise((r) => setTimeout(r, 10));
    }
    const reason = await Promise.race([disconnected, new Promise((r) => setTimeout(() => r('still connected'), 5000))]);
    expect(reason).not.toBe('still connected');
    // it was held up to the bound, never past it
    expect(max).toBeGreaterThan(limit / 2);
    expect(max).toBeLessThanOrEqual(limit);
    expect(await screensHealth(gw.url)).toMatchObject({ connected: 0, dropped: { slowReader: 1 } });
  });
});

describe('a long-polling screen that floods resync and never polls', () => {
  it('is dropped once its queued packets pass SCREEN_MAX_BUFFER_BYTES (nothing but the bound in between)', async () => {
    const limit = 64 * 1024;
    const gw = await gatewayWith({ SCREEN_MAX_BUFFER_BYTES: String(limit) });
    let max = 0;
    const disconnected = new Promise<string>((resolve) => {
      gw.gateway.io.on('connection', (s) => {
        s.on('disconnect', (reason) => resolve(reason));
        (s.conn as unknown as { on(e: 'packetCreate', f: (p: { data?: unknown }) => void): void }).on(
          'packetCreate',
          (p) => {
            if (s.conn.readyState !== 'open') return;
            max = Math.max(max, heldBytes(s) + (typeof p.data === 'string' ? Buffer.byteLength(p.data) : 0));
          },
        );
      });
    });
    // engine.io's polling protocol by hand: a handshake, a connect, then only POSTs, never a GET
    const base = `${gw.url}socket.io/?EIO=4&transport=polling&token=${gw.screenToken}`;
    const open = await (await fetch(base)).text();
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const post = (body: string) => fetch(`${base}&sid=${sid}`, { method: 'POST', body });
    expect((await post('40')).status).toBe(200);
    const resyncs = Array.from({ length: 400 }, () => '42["resync",{"channel":"vitals"}]').join('\x1e');
    let refused = 0;
    for (let i = 0; i < 100 && refused === 0; i++) if ((await post(resyncs)).status !== 200) refused++;
    expect(refused).toBe(1);
    expect(await disconnected).toBeTypeOf('string');
    expect(max).toBeGreaterThan(limit / 2);
    expect(max).toBeLessThanOrEqual(limit);
    expect(await screensHealth(gw.url)).toMatchObject({ connected: 0, dropped: { slowReader: 1 } });
  });
});

describe('resync is rate-limited per socket', () => {
  it('answers a burst of 3 with snapshots and the rest with E_HTTP_RATE_LIMITED, then 1 a second', async () => {
    const gw = await gatewayWith({});
    const s = screen(gw.url);
    const snapshots: unknown[] = [];
    const errors: Array<{ code: string }> = [];
    s.on('error-message', (m: { code: string }) => errors.push(m));
    s.on('snapshot', (m: unknown) => snapshots.push(m));
    expect(await outcome(s)).toBe('hello');
    // the snapshot every screen gets on connect
    await expect.poll(() => snapshots.length).toBe(1);
    for (let i = 0; i < 10; i++) s.emit('resync', { channel: 'vitals' });
    await expect.poll(() => snapshots.length - 1 + errors.length).toBe(10);
    expect(snapshots).toHaveLength(1 + 3);
    expect(errors).toHaveLength(7);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['E_HTTP_RATE_LIMITED']));
    await new Promise((r) => setTimeout(r, 1100));
    s.emit('resync', { channel: 'vitals' });
    await expect.poll(() => snapshots.length).toBe(1 + 4);
    expect(await screensHealth(gw.url)).toMatchObject({ resyncsRateLimited: 7 });
  });
});

describe('the socket.io handshake checks Origin', () => {
  it('by default admits no Origin, the same origin and localhost/127.0.0.1 of the port, and refuses any other', async () => {
    const gw = await gatewayWith({});
    expect(await outcome(screen(gw.url))).toBe('hello');
    expect(await outcome(screen(gw.url, `http://127.0.0.1:${gw.port}`))).toBe('hello');
    expect(await outcome(screen(gw.url, `http://localhost:${gw.port}`))).toBe('hello');
    expect(await outcome(screen(gw.url, 'http://evil.example'))).toBe('refused');
    expect(await outcome(screen(gw.url, `http://127.0.0.1:${gw.port + 1}`))).toBe('refused');
    expect(await screensHealth(gw.url)).toMatchObject({ refused: { origin: 2 } });
  });

  it('with ALLOWED_ORIGINS admits exactly those origins', async () => {
    const gw = await gatewayWith({ ALLOWED_ORIGINS: 'https://ops.example.gov' });
    expect(await outcome(screen(gw.url, 'https://ops.example.gov'))).toBe('hello');
    expect(await outcome(screen(gw.url, `http://127.0.0.1:${gw.port}`))).toBe('refused');
  });
});

describe('screens per client address', () => {
  it('refuses a screen over MAX_SCREENS_PER_ADDRESS, and admits one again when a screen leaves', async () => {
    const gw = await gatewayWith({ MAX_SCREENS_PER_ADDRESS: '2' });
    const a = screen(gw.url);
    expect(await outcome(a)).toBe('hello');
    expect(await outcome(screen(gw.url))).toBe('hello');
    expect(await outcome(screen(gw.url))).toBe('refused');
    a.close();
    await expect.poll(() => gw.gateway.io.engine.clientsCount).toBe(1);
    expect(await outcome(screen(gw.url))).toBe('hello');
    expect(await screensHealth(gw.url)).toMatchObject({ refused: { perAddress: 1 } });
  });
});
