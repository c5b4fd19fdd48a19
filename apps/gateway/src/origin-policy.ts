const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Which browser origins may open a socket.io connection (the `Origin` header of the handshake).
 * `allowed` (ALLOWED_ORIGINS) set: exactly those origins, `*` for any. Unset: the same origin as
 * the request's `Host`, and localhost / 127.0.0.1 / [::1] on the port the gateway serves.
 * No `Origin` at all is admitted: browsers always send one on a cross-site handshake, and any
 * other client can write whatever Origin it likes, so refusing it would protect nothing.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  servedPort: number,
  allowed: readonly string[] | undefined,
): boolean {
  if (origin === undefined) return true;
  if (allowed !== undefined) return allowed.includes('*') || allowed.includes(origin.replace(/\/$/, ''));
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (sandboxed pages, file://) and garbage
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (host !== undefined && url.host.toLowerCase() === host.toLowerCase()) return true;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return LOOPBACK.has(url.hostname.toLowerCase()) && port === servedPort;
}
