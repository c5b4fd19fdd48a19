import { afterEach, describe, expect, it } from 'vitest';
import { eventually, realInfra, uniqueName } from './index.js';

describe('testkit', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('makes names unique per call, with the prefix kept', () => {
    const a = uniqueName('topic');
    expect(a).toMatch(/^topic-[a-z0-9]+-[0-9a-f]{8}$/);
    expect(new Set(Array.from({ length: 100 }, () => uniqueName('t'))).size).toBe(100);
  });

  it('reads real infrastructure settings from the environment first', () => {
    process.env.KAFKA_BROKERS = 'h1:1, h2:2';
    process.env.REDIS_URL = 'redis://r:6379';
    expect(realInfra()).toEqual({ kafkaBrokers: ['h1:1', 'h2:2'], redisUrl: 'redis://r:6379' });
  });

  it('resolves eventually once the check yields a value, and times out with the reason otherwise', async () => {
    let n = 0;
    expect(await eventually(() => (++n >= 3 ? n : undefined), 2000)).toBe(3);
    await expect(eventually(() => undefined, 120, 'the impossible')).rejects.toThrow(
      /timed out after 120 ms waiting for the impossible/,
    );
  });
});
