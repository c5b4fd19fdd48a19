import { Redis } from 'ioredis';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import type { SessionRecord, UserDirectory, UserRecord } from './directory.js';

/**
 * Distributed mode's user directory, in Redis under `<prefix>:identity:`:
 * `user:<name>` (JSON), `users` (set of names), `session:<sha256>` (JSON, expiring with the
 * session: PEXPIREAT), `user-sessions:<name>` (set of its session hashes, for revocation).
 * Adding a user is `SET NX`, so two CLIs adding one name at once cannot both win.
 */
export class RedisDirectory implements UserDirectory {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly p: string;

  constructor(
    url: string,
    prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
    this.p = `${prefix}:identity:`;
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const raw = await this.redis.get(`${this.p}user:${username}`);
    return raw ? (JSON.parse(raw) as UserRecord) : undefined;
  }

  async listUsers(): Promise<UserRecord[]> {
    const names = (await this.redis.smembers(`${this.p}users`)).sort();
    if (names.length === 0) return [];
    const raws = await this.redis.mget(...names.map((n) => `${this.p}user:${n}`));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as UserRecord);
  }

  async addUser(user: UserRecord): Promise<void> {
    const ok = await this.redis.set(`${this.p}user:${user.username}`, JSON.stringify(user), 'NX');
    if (ok !== 'OK')
      throw new CityopsError(ErrorCodes.AUTH_USER_EXISTS, `a user named ${user.username} exists already`);
    await this.redis.sadd(`${this.p}users`, user.username);
  }

  async updateUser(user: UserRecord): Promise<void> {
    const ok = await this.redis.set(`${this.p}user:${user.username}`, JSON.stringify(user), 'XX');
    if (ok !== 'OK') throw new CityopsError(ErrorCodes.AUTH_UNKNOWN_USER, `no user named ${user.username}`);
  }

  async removeUser(username: string): Promise<boolean> {
    await this.deleteSessionsOf(username);
    const [[, deleted]] = (await this.redis
      .multi()
      .del(`${this.p}user:${username}`)
      .srem(`${this.p}users`, username)
      .exec()) as [[Error | null, number]];
    return deleted > 0;
  }

  async putSession(session: SessionRecord): Promise<void> {
    const at = Date.parse(session.expiresAt);
    await this.redis
      .multi()
      .set(`${this.p}session:${session.tokenHash}`, JSON.stringify(session), 'PXAT', at)
      .sadd(`${this.p}user-sessions:${session.username}`, session.tokenHash)
      .exec();
  }

  async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.get(`${this.p}session:${tokenHash}`);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as SessionRecord;
    return Date.parse(s.expiresAt) > this.now() ? s : undefined;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    const raw = await this.redis.get(`${this.p}session:${tokenHash}`);
    const m = this.redis.multi().del(`${this.p}session:${tokenHash}`);
    if (raw) m.srem(`${this.p}user-sessions:${(JSON.parse(raw) as SessionRecord).username}`, tokenHash);
    await m.exec();
  }

  async deleteSessionsOf(username: string): Promise<number> {
    const set = `${this.p}user-sessions:${username}`;
    const hashes = await this.redis.smembers(set);
    if (hashes.length === 0) return 0;
    const res = await this.redis
      .multi()
      .del(...hashes.map((h) => `${this.p}session:${h}`))
      .del(set)
      .exec();
    return Number(res?.[0]?.[1] ?? 0);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
