import { describe, expect, it } from 'vitest';
import { isCityopsError } from '@cityops/schema';
import { loadConfig } from './load-config.js';

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
    expect(cfg.INGEST_API_KEYS).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
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
});
