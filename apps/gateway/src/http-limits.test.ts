import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './test/test-gateway.js';

const KEY = 'a-key-of-sixteen-chars';
const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function gatewayWith(env: Record<string, string>): Promise<TestGateway> {
  const gw = await startTestGateway(env);
  open.push(() => gw.close());
  return gw;
}

/** A raw TCP connection; `closed` resolves with the ms from connect to the server closing it. */
async function raw(port: number): Promise<{ socket: Socket; closed: Promise<number>; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  open.push(() => void socket.destroy());
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString()));
  socket.on('error', () => undefined);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const start = Date.now();
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - start)));
  return { socket, closed, received: () => text };
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), ms))]);

/** Writes `line` every `everyMs` until the socket closes: a client that never finishes. */
function trickle(socket: Socket, line: string, everyMs: number): void {
  const t = setInterval(() => {
    if (socket.destroyed || socket.writableEnded) clearInterval(t);
    else socket.write(line);
  }, everyMs);
  socket.once('close', () => clearInterval(t));
  open.push(() => clearInterval(t));
}

describe('slow HTTP clients are cut off', () => {
  it('headers still arriving after HTTP_HEADERS_TIMEOUT_MS: 408 and the connection closed', async () => {
    const gw = await gatewayWith({ HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '5000' });
    const c = await raw(gw.port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    trickle(c.socket, 'X-Slow: 1\r\n', 100);
    const ms = await within(c.closed, 4000);
    expect(ms).not.toBe('timed out');
    expect(ms).toBeLessThan(2500);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a body still arriving after HTTP_REQUEST_TIMEOUT_MS: 408 and the connection closed', async () => {
    const gw = await gatewayWith({
      HTTP_HEADERS_TIMEOUT_MS: '500',
      HTTP_REQUEST_TIMEOUT_MS: '1000',
      INGEST_API_KEYS: KEY,
    });
    const c = await raw(gw.port);
    c.socket.write(
      `POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[`,
    );
    trickle(c.socket, ' ', 100);
    const ms = await within(c.closed, 5000);
    expect(ms).not.toBe('timed out');
    expect(ms).toBeLessThan(3500);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('connections per client address', () => {
  it('closes a TCP connection over MAX_CONNECTIONS_PER_ADDRESS at once, keeps the others serving', async () => {
    const gw = await gatewayWith({ MAX_CONNECTIONS_PER_ADDRESS: '3' });
    const kept = [await raw(gw.port), await raw(gw.port), await raw(gw.port)];
    const extra = await raw(gw.port);
    expect(await within(extra.closed, 2000)).not.toBe('timed out');
    expect(extra.received()).toBe('');
    kept[0]!.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await expect.poll(() => kept[0]!.received()).toMatch(/^HTTP\/1\.1 200/);
    // a connection that left frees its place
    kept[1]!.socket.destroy();
    await kept[1]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    const again = await raw(gw.port);
    again.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await expect.poll(() => again.received()).toMatch(/^HTTP\/1\.1 200/);
  });
});
