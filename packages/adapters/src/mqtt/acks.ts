/**
 * PUBACKs held until the host has settled their message, released in the order the PUBLISHes
 * arrived (MQTT 3.1.1 sec. 4.6: a client sends PUBACKs in the order it received the QoS 1
 * PUBLISHes). A held PUBACK belongs to one connection: when that connection closes, what is held
 * is dropped and the broker sends those messages again on the next one (the session is kept,
 * clean: false); their event ids are the same, so ingest's dedupe counts them once.
 */
export class AckQueue {
  private queue: Array<{ messageId: number; settled: boolean; send?: () => void }> = [];
  private readonly spaceWaiters: Array<() => void> = [];
  private generation = 0;
  private open = 0;

  constructor(private readonly maxUnsettled: number) {}

  /** messages received and not yet settled */
  get unsettled(): number {
    return this.open;
  }

  get held(): number {
    return this.queue.length;
  }

  /** A QoS 1 message arrived: returns its ticket, to settle once the host has it. */
  receive(messageId: number): { generation: number; messageId: number } {
    this.queue.push({ messageId, settled: false });
    this.open++;
    return { generation: this.generation, messageId };
  }

  /** Whether a PUBACK for `messageId` must wait (its message is in the queue). */
  holds(messageId: number): boolean {
    return this.queue.some((t) => t.messageId === messageId && t.send === undefined);
  }

  /** The client wants to send the PUBACK for `messageId`: keep it until its turn. */
  defer(messageId: number, send: () => void): void {
    const t = this.queue.find((x) => x.messageId === messageId && x.send === undefined);
    if (!t) {
      send();
      return;
    }
    t.send = send;
    this.release();
  }

  /** The host settled the message of `ticket` (accepted, duplicate or dead-lettered). */
  settle(ticket: { generation: number; messageId: number }): void {
    if (ticket.generation !== this.generation) return;
    const t = this.queue.find((x) => x.messageId === ticket.messageId && !x.settled);
    if (!t) return;
    t.settled = true;
    this.open--;
    this.release();
  }

  /** The connection closed: drop everything held; the broker redelivers it. */
  reset(): void {
    this.generation++;
    this.queue = [];
    this.open = 0;
    this.wake();
  }

  /** Resolves when fewer than maxUnsettled messages are unsettled (back-pressure on reading). */
  whenRoom(): Promise<void> | undefined {
    if (this.unsettled < this.maxUnsettled) return undefined;
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  private release(): void {
    while (this.queue.length && this.queue[0]!.settled && this.queue[0]!.send) this.queue.shift()!.send!();
    this.wake();
  }

  private wake(): void {
    while (this.spaceWaiters.length && this.unsettled < this.maxUnsettled) this.spaceWaiters.shift()!();
  }
}
