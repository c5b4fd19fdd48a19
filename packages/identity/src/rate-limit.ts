/**
 * Token buckets keyed by a string (a user name, an address): `burst` tries at once, then one more
 * every `refillMs`. At most `maxKeys` buckets are kept; beyond that the fullest are forgotten
 * first (a forgotten bucket is a full one, so forgetting never lets more through than it should
 * for a key that has used nothing, and an attacker spraying names cannot grow memory).
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  private level(key: string): { tokens: number; at: number } {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    const refilled = Math.min(this.burst, b.tokens + (t - b.at) / this.refillMs);
    return { tokens: refilled, at: t };
  }

  /** ms until one try is available for `key` (0: now) */
  waitMs(key: string): number {
    const b = this.level(key);
    return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) * this.refillMs);
  }

  /** takes one try; false (and nothing taken) when the bucket is empty */
  take(key: string): boolean {
    const b = this.level(key);
    if (b.tokens < 1) return false;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: b.tokens - 1, at: b.at });
    if (this.buckets.size > this.maxKeys) this.evict();
    return true;
  }

  /** gives one try back (a successful login does not count against its user name) */
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.tokens = Math.min(this.burst, b.tokens + 1);
  }

  private evict(): void {
    for (const [key] of this.buckets) {
      this.buckets.delete(key);
      if (this.buckets.size <= this.maxKeys) return;
    }
  }
}

export interface LoginLimits {
  /** tries per user name at once, then one per `perUserRefillMs` (default 5, then one per 60 s) */
  perUserBurst: number;
  perUserRefillMs: number;
  /** tries per client address at once, then one per `perAddressRefillMs` (default 20, then one per 6 s) */
  perAddressBurst: number;
  perAddressRefillMs: number;
}
export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perUserBurst: 5,
  perUserRefillMs: 60_000,
  perAddressBurst: 20,
  perAddressRefillMs: 6_000,
};

/** The login rate limit: one try from the user name's bucket and one from the address's. */
export class LoginLimiter {
  private readonly users: KeyedBuckets;
  private readonly addresses: KeyedBuckets;

  constructor(limits: Partial<LoginLimits> = {}, now: () => number = Date.now) {
    const l = { ...DEFAULT_LOGIN_LIMITS, ...limits };
    this.users = new KeyedBuckets(l.perUserBurst, l.perUserRefillMs, 10_000, now);
    this.addresses = new KeyedBuckets(l.perAddressBurst, l.perAddressRefillMs, 10_000, now);
  }

  /** 0 when the try may go ahead (and is counted), else the ms to wait (nothing counted) */
  try(username: string, address: string): number {
    const wait = Math.max(this.users.waitMs(username), this.addresses.waitMs(address));
    if (wait > 0) return wait;
    this.users.take(username);
    this.addresses.take(address);
    return 0;
  }

  succeeded(username: string): void {
    this.users.refund(username);
  }
}
