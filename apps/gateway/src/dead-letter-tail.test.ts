import { EmbeddedBus } from '@cityops/bus';
import { Topics, deadLetter } from '@cityops/schema';
import { RECORD_ID_HEADER } from '@cityops/stream';
import { eventually } from '@cityops/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterTail } from './dead-letter-tail.js';

describe('DeadLetterTail', () => {
  const bus = new EmbeddedBus();
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await bus.close();
    for (const close of open.splice(0)) await close();
  });

  it('shows a dead letter that an outbox published twice (same cityops-id) once', async () => {
    await bus.ensureTopics([{ topic: Topics.dlq, partitions: 1 }]);
    const tail = new DeadLetterTail(bus, 10);
    await tail.start();
    const letter = (n: number) => JSON.stringify(deadLetter('E_EVT_SCHEMA', `bad ${n}`, 'kafka', `raw ${n}`));
    await bus.publish(Topics.dlq, [
      { key: 'aggregator', value: letter(1), headers: { [RECORD_ID_HEADER]: 'g/t/0/5/0' } },
      { key: 'aggregator', value: letter(2), headers: { [RECORD_ID_HEADER]: 'g/t/0/5/1' } },
      { key: 'aggregator', value: letter(1), headers: { [RECORD_ID_HEADER]: 'g/t/0/5/0' } },
      { key: 'http', value: letter(3) },
    ]);
    const seen = await eventually(() => {
      const r = tail.recent(10);
      return r.length >= 3 ? r : undefined;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(tail.recent(10).map((l) => l.reason)).toEqual(['bad 3', 'bad 2', 'bad 1']);
    expect(seen).toHaveLength(3);
    await tail.stop();
  });

  it('holds at most maxBytes however large the letters are, newest kept, each raw and reason cut to a bounded size', async () => {
    const own = new EmbeddedBus();
    open.push(() => own.close());
    await own.ensureTopics([{ topic: Topics.dlq, partitions: 1 }]);
    const maxBytes = 256 * 1024;
    const tail = new DeadLetterTail(own, 500, maxBytes);
    await tail.start();
    const big = 'x'.repeat(1024 * 1024);
    // written by hand: a letter from any producer may carry a raw and a reason of any size
    const letter = (n: number) =>
      JSON.stringify({
        code: 'E_EVT_SCHEMA',
        reason: `${n} ${big}`,
        source: 'kafka',
        receivedAt: '2026-11-22T00:00:00Z',
        raw: big,
      });
    for (let n = 0; n < 20; n++) await own.publish(Topics.dlq, [{ key: 'k', value: letter(n) }]);
    await eventually(() => (tail.recent(1)[0]?.reason.startsWith('19 ') ? true : undefined));
    const shown = tail.recent(500);
    expect(Buffer.byteLength(JSON.stringify(shown))).toBeLessThanOrEqual(maxBytes);
    expect(shown.length).toBeGreaterThan(1);
    expect(shown[0]!.reason.startsWith('19 ')).toBe(true);
    expect(shown[0]!.code).toBe('E_EVT_SCHEMA');
    expect(shown[0]!.raw.length).toBeLessThanOrEqual(16 * 1024 + 1);
    expect(shown[0]!.reason.length).toBeLessThanOrEqual(1024 + 1);
    await tail.stop();
  });
});
