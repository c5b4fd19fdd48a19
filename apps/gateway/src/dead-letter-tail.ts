import type { Bus, ReplaySubscription } from '@cityops/bus';
import { Topics, type DeadLetter } from '@cityops/schema';
import { RECORD_ID_HEADER } from '@cityops/stream';

/** a shown reason and raw input are cut to these many characters */
export const MAX_REASON_CHARS = 1024;
export const MAX_RAW_CHARS = 16 * 1024;

type Held = DeadLetter & { offset: number; partition: number; id?: string };

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);
const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

/**
 * The most recent dead letters, for data teams checking why a source's events are rejected
 * (`GET /api/v1/dead-letters`). Tails `city.dlq.v1` from the end it finds at start, without a
 * consumer group, and keeps a ring in memory bounded by count (`capacity`) and by bytes
 * (`maxBytes`, as JSON): any producer may write a letter, so each keeps only the dead-letter
 * fields, its reason and raw input cut to MAX_REASON_CHARS / MAX_RAW_CHARS. A dead letter a
 * stage's outbox published again after a crash carries the same `cityops-id` and is shown once.
 */
export class DeadLetterTail {
  private readonly ring: Held[] = [];
  /** JSON bytes of each letter in the ring (plus one for the comma between them), same order */
  private readonly sizes: number[] = [];
  private bytes = 0;
  /** ids of the dead letters in the ring */
  private readonly ids = new Set<string>();
  private sub: ReplaySubscription | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly capacity = 500,
    private readonly maxBytes = 2 * 1024 * 1024,
  ) {}

  async start(): Promise<void> {
    const end = await this.bus.endOffsets(Topics.dlq);
    this.sub = await this.bus.replay({
      topic: Topics.dlq,
      fromOffsets: end,
      eachBatch: async (batch) => {
        for (const r of batch.records) {
          const id = r.headers?.[RECORD_ID_HEADER];
          if (id !== undefined) {
            if (this.ids.has(id)) continue;
            this.ids.add(id);
          }
          const where = { partition: r.partition, offset: r.offset, ...(id === undefined ? {} : { id }) };
          this.push({ ...this.letter(r.value, r.timestamp), ...where });
        }
      },
    });
  }

  /** newest first */
  recent(limit: number): DeadLetter[] {
    return this.ring
      .slice(-limit)
      .reverse()
      .map(({ id: _id, ...letter }) => letter);
  }

  async stop(): Promise<void> {
    await this.sub?.stop();
  }

  private letter(value: string, timestamp: number): DeadLetter {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return {
        code: 'E_EVT_NOT_JSON',
        reason: 'dead letter is not a JSON object',
        source: 'dlq',
        receivedAt: new Date(timestamp).toISOString(),
        raw: cut(value, MAX_RAW_CHARS),
      };
    }
    const p = parsed as Record<string, unknown>;
    return {
      code: cut(text(p.code, 'E_EVT_SCHEMA'), 64) as DeadLetter['code'],
      reason: cut(text(p.reason, ''), MAX_REASON_CHARS),
      source: cut(text(p.source, 'dlq'), 64),
      receivedAt: cut(text(p.receivedAt, new Date(timestamp).toISOString()), 64),
      raw: cut(text(p.raw, ''), MAX_RAW_CHARS),
    };
  }

  private push(letter: Held): void {
    const { id: _id, ...shown } = letter;
    const size = Buffer.byteLength(JSON.stringify(shown)) + 1;
    this.ring.push(letter);
    this.sizes.push(size);
    this.bytes += size;
    // the brackets of the JSON array take the last 2 bytes
    while (this.ring.length > this.capacity || (this.bytes > this.maxBytes - 2 && this.ring.length > 1)) {
      const gone = this.ring.shift()!;
      this.bytes -= this.sizes.shift()!;
      if (gone.id !== undefined) this.ids.delete(gone.id);
    }
  }
}
