import { afterEach, describe, expect, it, vi } from 'vitest';
import { RestPoll } from './rest-poll.js';

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const json = (body: unknown, status = 200) =>
  ({ ok: status < 400, status, json: async () => body }) as unknown as Response;

describe('RestPoll', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps the last good answer with its server-clock time; a failure keeps the data and says why', async () => {
    vi.useFakeTimers();
    const answers: Array<() => Promise<Response>> = [
      async () => json({ asOf: 'x' }),
      async () => {
        throw new TypeError('fetch failed');
      },
      async () => json({}, 503),
      async () => json('not an object'),
    ];
    let now = T0;
    const poll = new RestPoll<{ asOf: string }>({
      url: 'api/v1/hotline/kpis',
      intervalMs: 10_000,
      now: () => now,
      clockOffsetMs: () => 2_000,
      accept: (b): b is { asOf: string } => typeof b === 'object' && b !== null,
      fetch: (() => answers.shift()!()) as typeof fetch,
    });
    poll.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(poll.getState()).toEqual({ data: { asOf: 'x' }, fetchedAt: T0 + 2_000, error: null });
    now += 10_000;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(poll.getState()).toEqual({ data: { asOf: 'x' }, fetchedAt: T0 + 2_000, error: 'network' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(poll.getState().error).toBe('HTTP 503');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(poll.getState()).toMatchObject({ data: { asOf: 'x' }, error: 'bad body' });
    poll.stop();
  });
});
