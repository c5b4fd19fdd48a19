import { randomUUID } from 'node:crypto';
import { isCityopsError } from '@cityops/schema';
import type { ClaimLease, Store } from '@cityops/store';

/** A token unique to one ingestor instance; each call adds its own number to it. */
export function newInstanceToken(): string {
  return randomUUID();
}

/** How one publish ended, as far as its claims are concerned. */
export type PublishOutcome =
  /** on the topic; the claims are confirmed (or being confirmed again after a store blip) */
  | { kind: 'published' }
  /** definitely not sent (the bus was closed): the claims were released */
  | { kind: 'failed'; error: unknown }
  /** failed or timed out after the records may have reached the broker: the claims stay pending */
  | { kind: 'unsettled'; why: string };

export interface ClaimHoldOptions {
  renewMs: number;
  /** renewing stops after this, even if the publish never settles */
  maxHoldMs: number;
  /** how long a confirmed id is a duplicate (DEDUPE_TTL_MS) */
  confirmTtlMs: number;
  /** called with the number of ids another owner held by the time this one confirmed */
  onLost: (count: number) => void;
}

type Settled = { ok: true } | { ok: false; error: unknown };

/**
 * The dedupe claims of one publish, under one owner token (decision 005). While the publish is
 * in flight the lease is renewed every `renewMs`, so a slow but live publisher never loses its
 * claims while a dead one's lapse within a lease. Once published the claims are confirmed; if the
 * store does not answer, the lease is kept renewed and the confirm tried again on every tick. Only
 * a definite failure releases them; an unknown outcome leaves them to lapse.
 */
export class ClaimHold {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private confirming = false;
  private ticking: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly ids: string[],
    private readonly lease: ClaimLease,
    private readonly o: ClaimHoldOptions,
  ) {}

  /** Runs `send` with the claims held; answers once it settles or after `timeoutMs`, whichever is first. */
  async publish(send: () => Promise<void>, timeoutMs: number): Promise<PublishOutcome> {
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.tick());
    }, this.o.renewMs);
    this.timer.unref();
    const sending: Promise<Settled> = send().then(
      () => ({ ok: true }),
      (error: unknown) => ({ ok: false, error }),
    );
    let timeout: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      sending,
      new Promise<'timeout'>((resolve) => {
        timeout = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
    if (first === 'timeout') {
      // the publish goes on, and its claims stay ours (renewed) until it settles
      void sending.then((settled) => this.settle(settled));
      return { kind: 'unsettled', why: `did not settle within ${timeoutMs} ms` };
    }
    return this.settle(first);
  }

  private async settle(settled: Settled): Promise<PublishOutcome> {
    if (settled.ok) {
      await this.confirm();
      return { kind: 'published' };
    }
    await this.stop();
    if (isCityopsError(settled.error, 'E_BUS_CLOSED')) {
      await this.store.releaseEventIds(this.ids, this.lease.owner).catch(() => undefined);
      return { kind: 'failed', error: settled.error };
    }
    return { kind: 'unsettled', why: `failed (${messageOf(settled.error)})` };
  }

  private async confirm(): Promise<void> {
    try {
      const confirmed = await this.store.confirmEventIds(this.ids, this.lease.owner, this.o.confirmTtlMs);
      this.confirming = false;
      clearInterval(this.timer);
      this.timer = undefined;
      const lost = confirmed.filter((ok) => !ok).length;
      if (lost > 0) this.o.onLost(lost);
    } catch {
      // the store did not answer: the events are on the topic, so keep their claims renewed and
      // confirm again on the next tick (a lapsed claim nobody took is still confirmable)
      this.confirming = true;
    }
  }

  private async tick(): Promise<void> {
    if (this.timer === undefined) return;
    if (Date.now() - this.started > this.o.maxHoldMs) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.confirming) await this.confirm();
    else await this.store.renewEventIds(this.ids, this.lease).catch(() => undefined);
  }

  /** stops renewing, after a renewal in progress (so that none lands after a release) */
  private async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
