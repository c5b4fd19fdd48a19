/**
 * The minimal shape of a socket that the vitals feed needs. A socket.io-client `Socket`
 * satisfies it structurally; tests pass a tiny fake, so the state machine is tested without
 * a server, a browser or socket.io itself.
 */
export interface FeedSocket {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
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
