/** Events per second over the last `seconds` seconds, in one-second buckets. */
export class RateWindow {
  private readonly buckets: number[];
  private readonly stamps: number[];

  constructor(
    private readonly seconds: number,
    private readonly now: () => number,
  ) {
    this.buckets = new Array<number>(seconds).fill(0);
    this.stamps = new Array<number>(seconds).fill(-1);
  }

  add(n: number): void {
    const s = Math.floor(this.now() / 1000);
    const i = s % this.seconds;
    if (this.stamps[i] !== s) {
      this.stamps[i] = s;
      this.buckets[i] = 0;
    }
    this.buckets[i]! += n;
  }

  perSecond(): number {
    const s = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < this.seconds; i++) {
      if (this.stamps[i]! > s - this.seconds) sum += this.buckets[i]!;
    }
    return sum / this.seconds;
  }
}
