/**
 * How many of something (TCP connections, screens) each client address holds, against a cap
 * per address (0: no cap). Keys come from the network, so a Map, never a plain object.
 */
export class AddressCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more for `address` and answers true, or answers false when it is at the cap. */
  tryAdd(address: string): boolean {
    const n = this.counts.get(address) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.counts.set(address, n + 1);
    return true;
  }

  remove(address: string): void {
    const n = this.counts.get(address) ?? 0;
    if (n <= 1) this.counts.delete(address);
    else this.counts.set(address, n - 1);
  }

  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}

/** The client's address, IPv4-mapped IPv6 (`::ffff:10.0.0.1`) written as IPv4. */
export function clientAddress(remoteAddress: string | undefined): string {
  const a = remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
