import { diffMergePatch, type Delta, type Json, type Snapshot } from '@cityops/schema';

/** The minimal emitter shape a channel needs (a socket.io Server, a room of it, or a Socket fits). */
export interface Emitter {
  emit(event: string, payload: unknown): unknown;
}

/**
 * One screen channel (decision 6): its own state and `seq`. The first state is broadcast as a
 * `snapshot`; each later state that differs is broadcast as a `delta` (a JSON merge patch against
 * the previous state) with `seq` + 1. The caller decides how often to publish: that is the
 * coalescing, so the cost on screens does not grow with the rate of what feeds the channel.
 */
export class Channel<T> {
  private seq = 0;
  private state: T | null = null;

  constructor(
    readonly name: string,
    private readonly out: Emitter,
  ) {}

  /** The current state with its sequence number, for a new or resyncing screen; null before the first. */
  snapshot(): Snapshot<T> | null {
    return this.state === null ? null : { channel: this.name, seq: this.seq, state: this.state };
  }

  /** Sets the state; broadcasts a snapshot (first time) or a delta (when something changed). */
  publish(next: T): 'snapshot' | 'delta' | 'unchanged' {
    if (this.state === null) {
      this.state = next;
      this.seq = 1;
      this.out.emit('snapshot', this.snapshot());
      return 'snapshot';
    }
    const patch = diffMergePatch(this.state as unknown as Json, next as unknown as Json);
    if (patch === undefined) return 'unchanged';
    this.state = next;
    this.seq += 1;
    const delta: Delta = { channel: this.name, seq: this.seq, patch };
    this.out.emit('delta', delta);
    return 'delta';
  }
}
