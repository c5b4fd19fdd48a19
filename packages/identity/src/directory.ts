import type { Role } from './roles.js';

/** A user as stored. `passwordHash` is absent for screen users (they only ever hold screen tokens). */
export interface UserRecord {
  id: string;
  username: string;
  roles: Role[];
  departmentId?: string;
  passwordHash?: string;
  createdAt: string;
  updatedAt: string;
}

/** A session (after a login) or a screen token, stored under the SHA-256 of its token. */
export interface SessionRecord {
  tokenHash: string;
  userId: string;
  username: string;
  kind: 'session' | 'screen';
  createdAt: string;
  expiresAt: string;
}

/**
 * Where users and sessions live. Two implementations: `RedisDirectory` (distributed mode, keys
 * under a prefix) and `FileDirectory` (embedded mode, one JSON file written atomically, mode 0600).
 */
export interface UserDirectory {
  readonly kind: 'redis' | 'file';
  getUser(username: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** throws E_AUTH_USER_EXISTS when the name is taken */
  addUser(user: UserRecord): Promise<void>;
  /** throws E_AUTH_UNKNOWN_USER when there is no such user */
  updateUser(user: UserRecord): Promise<void>;
  /** removes the user and every session and screen token of it; false when there was none */
  removeUser(username: string): Promise<boolean>;
  putSession(session: SessionRecord): Promise<void>;
  /** the session, unless unknown or expired */
  getSession(tokenHash: string): Promise<SessionRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** revokes every session (and screen token) of a user; returns how many */
  deleteSessionsOf(username: string): Promise<number>;
  close(): Promise<void>;
}
