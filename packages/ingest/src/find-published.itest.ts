import { KafkaBus } from '@cityops/bus';
import { realInfra, uniqueName } from '@cityops/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_ID_HEADER, findPublished } from './find-published.js';

describe('findPublished on real Kafka', () => {
  const { kafkaBrokers } = realInfra();
  let bus: KafkaBus | undefined;
  afterAll(() => bus?.close());

  it('finds taken-over events on their partition after the time their lapsed claim was taken, and nothing before', async () => {
    bus = await KafkaBus.connect({ brokers: kafkaBrokers, clientId: uniqueName('find') });
    const topic = uniqueName('find-events');
    await bus.ensureTopics([{ topic, partitions: 3 }]);
    await bus.publish(topic, [{ key: 'g-1', value: '{}', headers: { [EVENT_ID_HEADER]: 'src/old' } }]);
    await new Promise((r) => setTimeout(r, 1_500));
    const since = Date.now();
    await bus.publish(
      topic,
      ['a', 'b', 'c', 'd'].map((id, i) => ({
        key: `g-${i}`,
        value: '{}',
        headers: { [EVENT_ID_HEADER]: `src/${id}` },
      })),
    );
    const wanted = ['a', 'b', 'x', 'old'].map((id, i) => ({ claimId: `src/${id}`, key: `g-${i}`, since }));
    // 'old' was appended before its claim was taken (so not by that publisher); 'x' never was
    const found = await findPublished(bus, topic, wanted, 500);
    expect([...found].sort()).toEqual(['src/a', 'src/b']);
  });
});
