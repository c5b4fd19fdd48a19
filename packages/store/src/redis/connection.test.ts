import { describe, expect, it } from 'vitest';
import { redactUrl, toStoreError } from './connection.js';

describe('redactUrl', () => {
  it('hides the password and keeps what locates the server', () => {
    expect(redactUrl('redis://cityops:Pw-Secret-01@db.internal:6380/2')).toBe('redis://cityops:***@db.internal:6380/2');
  });

  it('hides values in the query that ioredis reads as options (password=, username= ...)', () => {
    const shown = redactUrl('redis://db.internal:6379/?password=Query-Secret-02&db=3');
    expect(shown).not.toContain('Query-Secret-02');
    expect(shown).toBe('redis://db.internal:6379/?password=***&db=***');
  });

  it('shows nothing of a URL that does not parse', () => {
    const shown = redactUrl('redis://:Pw-Secret-03@[not a host');
    expect(shown).not.toContain('Pw-Secret-03');
    expect(shown).toBe('(a URL that does not parse)');
  });

  it('keeps the password out of a store-unavailable error', () => {
    const err = toStoreError(new Error('connect ECONNREFUSED'), 'redis://:Pw-Secret-04@127.0.0.1:1', 'PING');
    expect(String((err as Error).message)).not.toContain('Pw-Secret-04');
    expect(JSON.stringify(err)).not.toContain('Pw-Secret-04');
  });
});
