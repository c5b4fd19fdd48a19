import { describe, expect, it } from 'vitest';
import { loadConfig } from '@cityops/config';
import { orderSecrets, scrub, scrubFields, secretsOf } from './secrets.js';

describe('secretsOf', () => {
  it('lists each API key and the Redis password and query values, encoded and decoded', () => {
    const config = loadConfig({
      KAFKA_BROKERS: '127.0.0.1:9092',
      REDIS_URL: 'redis://ops:p%40ss%2Fword@db:6379/0?password=q%20pw-1',
      INGEST_API_KEYS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb',
    });
    const secrets = secretsOf(config);
    for (const s of ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb', 'p%40ss%2Fword', 'p@ss/word', 'q pw-1', 'q%20pw-1'])
      expect(secrets).toContain(s);
    // the user, host and port locate the server: not secret
    for (const s of ['ops', 'db', '6379', 'redis://ops:p%40ss%2Fword@db:6379/0?password=q%20pw-1'])
      expect(secrets).not.toContain(s);
  });

  it('lists the key of a scoped ingest key (key:source), the data keys and the MQTT password, not the sources', () => {
    const config = loadConfig({
      INGEST_API_KEYS: 'scoped-key-0000000001:ngsi-v2|open311',
      DATA_API_KEYS: 'data-team-key-000000001',
      ADMIN_API_KEY: 'admin-key-000000000001',
      MQTT_URL: 'mqtt://ops:Mqtt-Url-Pw-1@broker:1883',
      MQTT_TOPICS: 'sensors/#=senml',
      MQTT_USERNAME: 'ops',
      MQTT_PASSWORD: 'Mqtt-Password-0001',
    });
    const secrets = secretsOf(config);
    for (const s of [
      'scoped-key-0000000001',
      'data-team-key-000000001',
      'admin-key-000000000001',
      'Mqtt-Url-Pw-1',
      'Mqtt-Password-0001',
    ])
      expect(secrets).toContain(s);
    for (const s of ['ngsi-v2', 'open311', 'ops', 'broker']) expect(secrets).not.toContain(s);
  });

  it('has nothing to hide for a config without secrets', () => {
    expect(secretsOf(loadConfig({}))).toEqual([]);
  });
});

describe('scrub', () => {
  it('replaces a secret and, longest first, leaves no fragment of a longer one', () => {
    const secrets = orderSecrets(['abcd', 'abcdefgh', 'abc']);
    expect(secrets).toEqual(['abcdefgh', 'abcd']);
    expect(scrub('x abcdefgh y abcd z abc', secrets)).toBe('x [redacted] y [redacted] z abc');
  });

  it('scrubs strings anywhere in fields and turns errors into their scrubbed parts', () => {
    const out = scrubFields({ a: ['k-secret-1'], b: { c: 'k-secret-1!' }, n: 3, e: new TypeError('k-secret-1') }, [
      'k-secret-1',
    ]) as Record<string, unknown>;
    expect(out).toMatchObject({
      a: ['[redacted]'],
      b: { c: '[redacted]!' },
      n: 3,
      e: { type: 'TypeError', message: '[redacted]' },
    });
    expect(JSON.stringify(out)).not.toContain('k-secret-1');
  });
});
