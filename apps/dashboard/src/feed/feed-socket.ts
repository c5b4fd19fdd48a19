/**
 * Payloads arrive untyped off the wire; `any` here is what lets socket.io-client's `Socket`
 * fit this interface structurally, with no cast at the call site.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SocketListener = (...args: any[]) => void;

/**
 * The minimal shape of a socket that the vitals feed needs. A socket.io-client `Socket`
 * satisfies it structurally; tests pass a tiny fake, so the state machine is tested without
 * a server, a browser or socket.io itself.
 */
export interface FeedSocket {
  on(event: string, listener: SocketListener): unknown;
  off(event: string, listener: SocketListener): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  /** true while the transport is up */
  readonly connected: boolean;
}

/** Server → client `hello`, sent on every (re)connection. */
export interface HelloMessage {
  mode: 'embedded' | 'distributed';
  city: CityInfo;
  serverTime: string;
}

export interface CityInfo {
  id: string;
  name: string;
  nameEn: string;
}

/** The socket.io disconnect reasons after which the client will not reconnect by itself. */
export const TERMINAL_DISCONNECT_REASONS: ReadonlySet<string> = new Set([
  'io server disconnect',
  'io client disconnect',
]);
