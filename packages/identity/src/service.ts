import { randomUUID } from 'node:crypto';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import type { SessionRecord, UserDirectory, UserRecord } from './directory.js';
import { DEFAULT_SCRYPT, hashPassword, passwordProblem, verifyPassword, type ScryptParams } from './password.js';
import { LoginLimiter, type LoginLimits } from './rate-limit.js';
import { DEPARTMENT_PATTERN, ROLES, USERNAME_PATTERN, type Identity, type Role } from './roles.js';
import { newToken, tokenHash, TOKEN_PATTERN } from './tokens.js';

export interface IdentityOptions {
  directory: UserDirectory;
  /** a login session's lifetime (default 12 h) */
  sessionTtlMs?: number;
  /** a screen token's lifetime (default 365 days) */
  screenTokenTtlMs?: number;
  /** scrypt cost for new hashes (default N 2^15, r 8, p 1) */
  kdf?: ScryptParams;
  loginLimits?: Partial<LoginLimits>;
  now?: () => number;
}

export interface NewUser {
  username: string;
  roles: Role[];
  departmentId?: string;
  /** required for every role but `screen` */
  password?: string;
}

/** What a user looks like to clients: never the hash. */
export interface PublicUser {
  username: string;
  roles: Role[];
  departmentId?: string;
}

export type LoginResult =
  | { ok: true; token: string; expiresAt: string; user: PublicUser }
  | { ok: false; code: typeof ErrorCodes.AUTH_BAD_CREDENTIALS }
  | { ok: false; code: typeof ErrorCodes.AUTH_RATE_LIMITED; retryAfterMs: number };

export const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;
export const DEFAULT_SCREEN_TOKEN_TTL_MS = 365 * 24 * 3600_000;

export function publicUser(u: Pick<UserRecord, 'username' | 'roles' | 'departmentId'>): PublicUser {
  return { username: u.username, roles: [...u.roles], ...(u.departmentId ? { departmentId: u.departmentId } : {}) };
}

/**
 * Users, logins, sessions and screen tokens over a `UserDirectory`. A login with an unknown name
 * runs the KDF against a dummy hash, so its time is that of a wrong password; both answer
 * E_AUTH_BAD_CREDENTIALS. Tokens are stored as SHA-256 hashes only; a session resolves to the
 * user's current roles (a role change or removal applies at once), a screen token to `screen` only.
 */
export class IdentityService {
  readonly directory: UserDirectory;
  readonly sessionTtlMs: number;
  readonly screenTokenTtlMs: number;
  private readonly kdf: ScryptParams;
  private readonly limiter: LoginLimiter;
  private readonly now: () => number;
  private dummyHash: Promise<string> | undefined;
  /** counts since start (for /healthz): every login try, how each ended, and the KDF runs they cost */
  readonly stats = { logins: 0, succeeded: 0, badCredentials: 0, rateLimited: 0, kdfRuns: 0 };

  constructor(opts: IdentityOptions) {
    this.directory = opts.directory;
    this.sessionTtlMs = opts.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.screenTokenTtlMs = opts.screenTokenTtlMs ?? DEFAULT_SCREEN_TOKEN_TTL_MS;
    this.kdf = opts.kdf ?? DEFAULT_SCRYPT;
    this.now = opts.now ?? Date.now;
    this.limiter = new LoginLimiter(opts.loginLimits, this.now);
  }

  async addUser(input: NewUser): Promise<PublicUser> {
    const roles = checkUser(input);
    if (!roles.every((r) => r === 'screen') && input.password === undefined)
      throw new CityopsError(ErrorCodes.AUTH_INVALID_USER, 'a user with a staff role needs a password');
    if (input.password !== undefined) {
      const problem = passwordProblem(input.password);
      if (problem) throw new CityopsError(ErrorCodes.AUTH_INVALID_USER, problem);
    }
    const at = new Date(this.now()).toISOString();
    const user: UserRecord = {
      id: randomUUID(),
      username: input.username,
      roles,
      ...(input.departmentId ? { departmentId: input.departmentId } : {}),
      ...(input.password !== undefined ? { passwordHash: await hashPassword(input.password, this.kdf) } : {}),
      createdAt: at,
      updatedAt: at,
    };
    await this.directory.addUser(user);
    return publicUser(user);
  }

  /** sets a new password and revokes the user's sessions (not its screen tokens: it has none unless a screen) */
  async setPassword(username: string, password: string): Promise<void> {
    const user = await this.directory.getUser(username);
    if (!user) throw new CityopsError(ErrorCodes.AUTH_UNKNOWN_USER, `no user named ${username}`);
    const problem = passwordProblem(password);
    if (problem) throw new CityopsError(ErrorCodes.AUTH_INVALID_USER, problem);
    await this.directory.updateUser({
      ...user,
      passwordHash: await hashPassword(password, this.kdf),
      updatedAt: new Date(this.now()).toISOString(),
    });
    await this.directory.deleteSessionsOf(username);
  }

  async removeUser(username: string): Promise<boolean> {
    return this.directory.removeUser(username);
  }

  async listUsers(): Promise<PublicUser[]> {
    return (await this.directory.listUsers()).map(publicUser);
  }

  /** A long-lived read-only token for a wall. The user must exist and hold only the `screen` role. */
  async issueScreenToken(username: string): Promise<{ token: string; expiresAt: string }> {
    const user = await this.directory.getUser(username);
    if (!user) throw new CityopsError(ErrorCodes.AUTH_UNKNOWN_USER, `no user named ${username}`);
    if (!user.roles.every((r) => r === 'screen'))
      throw new CityopsError(
        ErrorCodes.AUTH_INVALID_USER,
        `${username} is not a screen user (roles ${user.roles.join(',')}): screen tokens are only for role screen`,
      );
    return this.issue(user, 'screen', this.screenTokenTtlMs);
  }

  /** Checks a name and password under the rate limit; on success a new session. */
  async login(username: string, password: string, address: string): Promise<LoginResult> {
    this.stats.logins++;
    const wait = this.limiter.try(username, address);
    if (wait > 0) {
      this.stats.rateLimited++;
      return { ok: false, code: ErrorCodes.AUTH_RATE_LIMITED, retryAfterMs: wait };
    }
    // the dummy hash is made on the first try whoever it is for, so that first try costs the same either way
    const dummy = await this.dummy();
    const user = await this.directory.getUser(username);
    const stored = user?.passwordHash ?? dummy;
    this.stats.kdfRuns++;
    const match = await verifyPassword(password, stored);
    if (!user?.passwordHash || !match) {
      this.stats.badCredentials++;
      return { ok: false, code: ErrorCodes.AUTH_BAD_CREDENTIALS };
    }
    this.stats.succeeded++;
    this.limiter.succeeded(username);
    const { token, expiresAt } = await this.issue(user, 'session', this.sessionTtlMs);
    return { ok: true, token, expiresAt, user: publicUser(user) };
  }

  /** The identity a token stands for, or undefined (unknown, expired, revoked, its user removed). */
  async resolve(token: string, via: Identity['via']): Promise<(Identity & { expiresAt: string }) | undefined> {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const session = await this.directory.getSession(tokenHash(token));
    if (!session) return undefined;
    const user = await this.directory.getUser(session.username);
    if (!user || user.id !== session.userId) return undefined;
    return {
      userId: user.id,
      username: user.username,
      roles: session.kind === 'screen' ? ['screen'] : [...user.roles],
      ...(user.departmentId ? { departmentId: user.departmentId } : {}),
      via,
      expiresAt: session.expiresAt,
    };
  }

  async revoke(token: string): Promise<void> {
    if (TOKEN_PATTERN.test(token)) await this.directory.deleteSession(tokenHash(token));
  }

  async close(): Promise<void> {
    await this.directory.close();
  }

  private async issue(
    user: UserRecord,
    kind: SessionRecord['kind'],
    ttlMs: number,
  ): Promise<{ token: string; expiresAt: string }> {
    const token = newToken();
    const t = this.now();
    const expiresAt = new Date(t + ttlMs).toISOString();
    await this.directory.putSession({
      tokenHash: tokenHash(token),
      userId: user.id,
      username: user.username,
      kind,
      createdAt: new Date(t).toISOString(),
      expiresAt,
    });
    return { token, expiresAt };
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword('not a password of anyone', this.kdf);
    return this.dummyHash;
  }
}

function checkUser(input: NewUser): Role[] {
  if (!USERNAME_PATTERN.test(input.username))
    throw new CityopsError(
      ErrorCodes.AUTH_INVALID_USER,
      'a user name is 1 to 64 of a-z 0-9 . _ - (lower case), starting with a letter or digit',
    );
  const roles = [...new Set(input.roles)];
  if (roles.length === 0) throw new CityopsError(ErrorCodes.AUTH_INVALID_USER, 'a user needs at least one role');
  for (const r of roles)
    if (!(ROLES as readonly string[]).includes(r))
      throw new CityopsError(ErrorCodes.AUTH_INVALID_USER, `unknown role ${String(r)}: one of ${ROLES.join(', ')}`);
  if (roles.includes('screen') && roles.length > 1)
    throw new CityopsError(ErrorCodes.AUTH_INVALID_USER, 'role screen cannot be combined with another role');
  if (input.departmentId !== undefined && !DEPARTMENT_PATTERN.test(input.departmentId))
    throw new CityopsError(ErrorCodes.AUTH_INVALID_USER, 'a department id is 1 to 100 of a-z A-Z 0-9 . _ -');
  if (roles.includes('department') && !input.departmentId)
    throw new CityopsError(ErrorCodes.AUTH_INVALID_USER, 'role department needs --department <id>');
  return roles;
}
