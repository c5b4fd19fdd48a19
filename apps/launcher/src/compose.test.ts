import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@cityops/testkit';

/** `docker compose config` (or docker-compose v1) parses and resolves the file without an engine. */
function composeConfig(): string {
  const file = join(repoRoot, 'docker-compose.yml');
  try {
    return execFileSync('docker', ['compose', '-f', file, 'config'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    return execFileSync('docker-compose', ['-f', file, 'config'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}

describe('docker-compose.yml', () => {
  it('is a valid compose file describing Kafka (KRaft), Redis and each app against them', () => {
    const config = composeConfig();
    for (const service of [
      'kafka',
      'redis',
      'mosquitto',
      'aggregator',
      'detector',
      'alert-desk',
      'ingest',
      'gateway',
      'simulator',
    ]) {
      expect(config).toMatch(new RegExp(`^  ${service}:`, 'm'));
    }
    expect(config).toContain('KAFKA_PROCESS_ROLES: broker,controller');
    expect(config).toContain('KAFKA_BROKERS: kafka:9092');
    expect(config).toContain('REDIS_URL: redis://redis:6379');
    for (const app of ['gateway', 'aggregator', 'detector', 'alert-desk', 'ingest', 'simulator']) {
      expect(config).toContain(`apps/${app}/dist/main.js`);
    }
    expect(config).toContain('MQTT_URL: mqtt://mosquitto:1883');
    expect(config).toContain('INGEST_URL: http://ingest:8081');
  });
});
