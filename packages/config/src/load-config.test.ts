import { describe, expect, it } from 'vitest';
import { isCityopsError } from '@cityops/schema';
import { hideSecrets, isSecretSetting, loadConfig } from './load-config.js';

function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(isCityopsError(err, 'E_CFG_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('selects embedded mode with safe defaults when nothing is set', () => {
    const cfg = loadConfig({});
    expect(cfg.mode).toBe('embedded');
    expect(cfg.PORT).toBe(8080);
    expect(cfg.HOST).toBe('127.0.0.1');
    expect(cfg.SIMULATOR).toBe(true);
    expect(cfg.INGEST_API_KEYS).toEqual([]);
  });

  it('selects distributed mode when both KAFKA_BROKERS and REDIS_URL are set', () => {
    const cfg = loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092, kafka-2:9093', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(cfg.mode).toBe('distributed');
    expect(cfg.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', 'kafka-2:9093']);
  });

  it('names KAFKA_BROKERS when it is not a host list', () => {
    const msg = failure({ KAFKA_BROKERS: 'not a host', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(msg).toMatch(/KAFKA_BROKERS: "not a host" is not host:port/);
  });

  it('names the missing half of the distributed settings', () => {
    expect(failure({ KAFKA_BROKERS: '127.0.0.1:9092' })).toMatch(/REDIS_URL: must be set too/);
    expect(failure({ REDIS_URL: 'redis://x:6379' })).toMatch(/KAFKA_BROKERS: must be set too/);
  });

  it('names every bad variable at once, with the value it got', () => {
    const msg = failure({ PORT: 'eighty', SIMULATOR: 'maybe', REDIS_URL: 'http://x', INGEST_API_KEYS: 'short' });
    expect(msg).toMatch(/PORT: must be a whole number \(got "eighty"\)/);
    expect(msg).toMatch(/SIMULATOR: must be on or off/);
    expect(msg).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(msg).toMatch(/INGEST_API_KEYS: each key must be at least 16 characters/);
  });

  it('rejects a port out of range and accepts 0 for an ephemeral port', () => {
    expect(failure({ PORT: '70000' })).toMatch(/PORT: must be at most 65535/);
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ KAFKA_BROKERS: '', REDIS_URL: ' ' }).mode).toBe('embedded');
  });

  it('parses on/off switches and API key lists', () => {
    const cfg = loadConfig({ SIMULATOR: 'off', INGEST_API_KEYS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb' });
    expect(cfg.SIMULATOR).toBe(false);
    expect(cfg.INGEST_API_KEYS).toEqual([
      { key: 'aaaaaaaaaaaaaaaa', sources: null },
      { key: 'bbbbbbbbbbbbbbbb', sources: null },
    ]);
  });

  it('bounds the simulator clock and incident rate, naming the variable', () => {
    expect(loadConfig({}).SIM_DAY_MINUTES).toBe(1440);
    expect(loadConfig({ SIM_DAY_MINUTES: '24', SIM_INCIDENTS_PER_HOUR: '30' })).toMatchObject({
      SIM_DAY_MINUTES: 24,
      SIM_INCIDENTS_PER_HOUR: 30,
    });
    expect(failure({ SIM_DAY_MINUTES: '0' })).toMatch(/SIM_DAY_MINUTES: must be at least 1/);
    expect(failure({ SIM_INCIDENTS_PER_HOUR: 'many' })).toMatch(/SIM_INCIDENTS_PER_HOUR: must be a whole number/);
  });

  it('names a bad API key list without echoing any key, the good ones included', () => {
    const msg = failure({ INGEST_API_KEYS: 'Good-Secret-Key-0123456789, tooShortKey1' });
    expect(msg).toMatch(/INGEST_API_KEYS: each key must be at least 16 characters \(value not shown/);
    expect(msg).not.toContain('Good-Secret-Key');
    expect(msg).not.toContain('tooShortKey1');
  });

  it('names a bad REDIS_URL without echoing it or the password it holds', () => {
    const msg = failure({ KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'http://admin:Redis-Pw-0042@db.internal:6379' });
    expect(msg).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(msg).not.toContain('Redis-Pw-0042');
    expect(msg).not.toContain('db.internal');
  });

  it('decides per variable whether its value may be shown', () => {
    for (const name of ['INGEST_API_KEYS', 'REDIS_URL', 'SOME_API_KEY', 'DB_PASSWORD', 'AUTH_TOKEN', 'JWT_SECRET'])
      expect(isSecretSetting(name), name).toBe(true);
    for (const name of ['PORT', 'HOST', 'KAFKA_BROKERS', 'REDIS_KEY_PREFIX', 'LOG_LEVEL', 'SIM_SEED'])
      expect(isSecretSetting(name), name).toBe(false);
  });

  it('cuts an echoed value to a readable length', () => {
    const msg = failure({ PORT: 'x'.repeat(10_000) });
    expect(msg).toMatch(/PORT: must be a whole number \(got "x{80}\.\.\."\)/);
    expect(msg.length).toBeLessThan(300);
  });

  it('blanks any part of a secret value a schema message might quote: keys, URL password, query values', () => {
    const input = {
      INGEST_API_KEYS: 'Key-Number-One-0001,Key-Number-Two-0002',
      REDIS_URL: 'redis://user:p%40ss-word@h:1/?password=Query-Pw-9',
      PORT: '8080',
    };
    const line = hideSecrets('X: Key-Number-Two-0002 and p@ss-word and p%40ss-word and Query-Pw-9 on port 8080', input);
    expect(line).toBe('X: [redacted] and [redacted] and [redacted] and [redacted] on port 8080');
  });
});
