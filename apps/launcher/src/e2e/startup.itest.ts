import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@cityops/testkit';

const entry = join(repoRoot, 'apps', 'launcher', 'dist', 'main.js');

function start(env: Record<string, string>) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [entry], {
    env: { ...process.env, PORT: '0', SIMULATOR: 'off', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, ms: Date.now() - started };
}

describe('start-up with bad settings', () => {
  it('stops with exit 2 and a message naming KAFKA_BROKERS when it is not a host list', () => {
    const r = start({ KAFKA_BROKERS: 'not a host', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/KAFKA_BROKERS: "not a host" is not host:port/);
    expect(r.stdout).not.toMatch(/cityops ready/);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('stops with exit 2 naming each bad variable', () => {
    const r = start({ PORT: 'eighty', SIM_RATE: '-5' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PORT: must be a whole number/);
    expect(r.stderr).toMatch(/SIM_RATE: must be a whole number/);
  });

  it('fails within seconds, naming the brokers, when no Kafka answers there', () => {
    const r = start({ KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:6379', INGEST_API_KEYS: '' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/E_BUS_UNAVAILABLE/);
    expect(r.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(r.ms).toBeLessThan(25_000);
  });

  it('stops with a message naming CITY_PACK when the pack directory does not exist', () => {
    const r = start({ CITY_PACK: '/nonexistent/pack' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/E_PACK_INVALID/);
    expect(r.stderr).toMatch(/\/nonexistent\/pack/);
  });
});
