import { EmbeddedBus } from '@cityops/bus';
import { Topics, deadLetter } from '@cityops/schema';
import { RECORD_ID_HEADER } from '@cityops/stream';
import { eventually } from '@cityops/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterTail } from './dead-letter-tail.js';

describe('DeadLetterTail', () => {
  const bus = new EmbeddedBus();
  afterEach(() => bus.close());

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
});
