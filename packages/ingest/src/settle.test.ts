import { describe, expect, it } from 'vitest';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import { sendUntilSettled, UnsettledError } from './settle.js';

const fakeClock = () => {
  let t = 0;
  return { now: () => t, wait: async (ms: number) => void (t += ms) };
};
const down = (err: unknown) => err instanceof CityopsError && err.code === ErrorCodes.STORE_UNAVAILABLE;

describe('sendUntilSettled', () => {
  it('sends again exactly what was answered retry, and everything after a retryable error, until settled', async () => {
    const sent: string[][] = [];
    const answers = [
      () => {
        throw new CityopsError(ErrorCodes.STORE_UNAVAILABLE, 'blip');
      },
      () => ({ accepted: 1, duplicates: 0, rejected: [{ code: 'E_EVT_SCHEMA' }], retry: [1, 3] }),
      () => ({ accepted: 1, duplicates: 0, rejected: [], retry: [0] }),
      () => ({ accepted: 0, duplicates: 1, rejected: [], retry: [] }),
    ];
    const totals = await sendUntilSettled(
      ['a', 'b', 'c', 'd'],
      async (events) => {
        sent.push(events);
        return answers[sent.length - 1]!();
      },
      { deadlineMs: 60_000, retryable: down, ...fakeClock() },
    );
    expect(sent).toEqual([['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd'], ['b', 'd'], ['b']]);
    expect(totals).toEqual({ accepted: 2, duplicates: 1, rejected: [{ code: 'E_EVT_SCHEMA' }], resends: 3 });
  });

  it('gives up at the deadline naming how many are unsettled; a non-retryable error is thrown at once', async () => {
    const err = await sendUntilSettled(
      ['a', 'b'],
      async (events) => ({ accepted: 0, duplicates: 0, rejected: [], retry: events.map((_, i) => i) }),
      { deadlineMs: 10_000, retryable: down, ...fakeClock() },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsettledError);
    expect(err).toMatchObject({ unsettled: 2, code: 'E_EVT_IN_FLIGHT' });
    expect(String((err as Error).message)).toMatch(/^2 events unsettled after resending them for 10 s/);
    await expect(
      sendUntilSettled(['a'], async () => Promise.reject(new Error('bug')), { deadlineMs: 10_000, retryable: down }),
    ).rejects.toThrow('bug');
  });
});
