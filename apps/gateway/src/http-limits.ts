import type { Server, ServerOptions } from 'node:http';
import type { Config } from '@cityops/config';
import { AddressCounter, clientAddress } from './address-counter.js';

type HttpLimitSettings = Pick<
  Config,
  'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_KEEP_ALIVE_TIMEOUT_MS' | 'MAX_CONNECTIONS_PER_ADDRESS'
>;

/**
 * `http.createServer` options from the settings. Node refuses a headers timeout longer than the
 * request timeout, so it is capped by it. Node checks both only every `connectionsCheckingInterval`
 * (30 s by default), so that interval follows the shorter timeout: a slow client is cut off within
 * about a quarter of its timeout after it passes.
 */
export function httpServerOptions(c: HttpLimitSettings): ServerOptions {
  const headersTimeout = Math.min(c.HTTP_HEADERS_TIMEOUT_MS, c.HTTP_REQUEST_TIMEOUT_MS);
  return {
    headersTimeout,
    requestTimeout: c.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
  };
}

/**
 * Caps the TCP connections each client address holds open to the server (HTTP, keep-alive and
 * WebSocket alike); one over the cap is closed before a byte is read. Returns the count of
 * connections refused, for /healthz.
 */
export function capConnectionsPerAddress(http: Server, max: number): { refused: number } {
  const counts = { refused: 0 };
  const open = new AddressCounter(max);
  http.on('connection', (socket) => {
    const address = clientAddress(socket.remoteAddress);
    if (!open.tryAdd(address)) {
      counts.refused++;
      socket.destroy();
      return;
    }
    socket.once('close', () => open.remove(address));
  });
  return counts;
}
