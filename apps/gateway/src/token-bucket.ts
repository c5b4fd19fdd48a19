/**
 * A token bucket: `capacity` tokens at most, refilled at `perSecond`. `take()` spends one if
 * there is one. Lets an honest screen resync a few times in a row (a gap, then a reconnect)
 * while a flood gets at most `perSecond` answers a second.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.at = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.at) / 1000) * this.perSecond);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
