import { describe, expect, it } from 'vitest';
import { isCityopsError } from '@cityops/schema';
import { topicFilterProblem } from './ingest-settings.js';
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

describe('INGEST_API_KEYS with sources', () => {
  it('reads key:source|source entries beside plain keys', () => {
    const cfg = loadConfig({
      INGEST_API_KEYS: 'key-one-0000000001:ngsi-v2|open311, key-two-0000000002:sim.logistics,key-three-000000003',
    });
    expect(cfg.INGEST_API_KEYS).toEqual([
      { key: 'key-one-0000000001', sources: ['ngsi-v2', 'open311'] },
      { key: 'key-two-0000000002', sources: ['sim.logistics'] },
      { key: 'key-three-000000003', sources: null },
    ]);
  });

  it('accepts a source prefix ending in *', () => {
    expect(loadConfig({ INGEST_API_KEYS: 'key-one-0000000001:ngsi*' }).INGEST_API_KEYS[0]!.sources).toEqual(['ngsi*']);
  });

  it('names a bad source without showing the key', () => {
    const msg = failure({ INGEST_API_KEYS: 'Secret-Key-0000000001:Bad_Source' });
    expect(msg).toMatch(/INGEST_API_KEYS: key #1: "Bad_Source" is not a source name/);
    expect(msg).not.toContain('Secret-Key-0000000001');
  });

  it('names a short key in a scoped entry without showing it', () => {
    const msg = failure({ INGEST_API_KEYS: 'Short-Key-1:ngsi-v2' });
    expect(msg).toMatch(/INGEST_API_KEYS: each key must be at least 16 characters/);
    expect(msg).not.toContain('Short-Key-1');
  });

  it('refuses an empty source list after the colon', () => {
    expect(failure({ INGEST_API_KEYS: 'key-one-0000000001:' })).toMatch(/INGEST_API_KEYS: key #1: "" is not a source/);
  });
});

describe('data-team credentials', () => {
  it('reads DATA_API_KEYS and ADMIN_API_KEY, and refuses short ones without echoing them', () => {
    const cfg = loadConfig({
      DATA_API_KEYS: 'data-key-00000000001,data-key-00000000002',
      ADMIN_API_KEY: 'admin-key-0000000001',
    });
    expect(cfg.DATA_API_KEYS).toEqual(['data-key-00000000001', 'data-key-00000000002']);
    expect(cfg.ADMIN_API_KEY).toBe('admin-key-0000000001');
    const msg = failure({ DATA_API_KEYS: 'tiny-data-key', ADMIN_API_KEY: 'tiny-admin' });
    expect(msg).toMatch(/DATA_API_KEYS: each key must be at least 16 characters \(value not shown/);
    expect(msg).toMatch(/ADMIN_API_KEY: must be at least 16 characters \(value not shown/);
    expect(msg).not.toContain('tiny-data-key');
    expect(msg).not.toContain('tiny-admin');
  });

  it('has none by default', () => {
    const cfg = loadConfig({});
    expect(cfg.DATA_API_KEYS).toEqual([]);
    expect(cfg.ADMIN_API_KEY).toBeUndefined();
  });
});

describe('ingest app settings', () => {
  it('defaults INGEST_PORT to 8090 and reads INGEST_URL', () => {
    expect(loadConfig({}).INGEST_PORT).toBe(8090);
    expect(loadConfig({ INGEST_URL: 'http://127.0.0.1:9000' }).INGEST_URL).toBe('http://127.0.0.1:9000');
    expect(failure({ INGEST_PORT: 'x' })).toMatch(/INGEST_PORT: must be a whole number/);
    expect(failure({ INGEST_URL: 'ftp://x' })).toMatch(/INGEST_URL: must be an http/);
  });
});

describe('MQTT settings', () => {
  it('reads MQTT_URL and MQTT_TOPICS filter=format entries', () => {
    const cfg = loadConfig({
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      MQTT_TOPICS: 'sensors/#=senml, fleet/+/gps=gps,city/+=json',
    });
    expect(cfg.MQTT_URL).toBe('mqtt://127.0.0.1:1883');
    expect(cfg.MQTT_TOPICS).toEqual([
      { filter: 'sensors/#', format: 'senml' },
      { filter: 'fleet/+/gps', format: 'gps' },
      { filter: 'city/+', format: 'json' },
    ]);
    expect(cfg.MQTT_CLIENT_ID).toBe('cityops-ingest');
  });

  it('is off by default', () => {
    const cfg = loadConfig({});
    expect(cfg.MQTT_URL).toBeUndefined();
    expect(cfg.MQTT_TOPICS).toBeUndefined();
  });

  it('names a bad URL, format or filter', () => {
    expect(failure({ MQTT_URL: 'http://x:1883', MQTT_TOPICS: 'a=json' })).toMatch(/MQTT_URL: must be an mqtt:\/\//);
    expect(failure({ MQTT_URL: 'mqtt://x', MQTT_TOPICS: 'a/#=xml' })).toMatch(
      /MQTT_TOPICS: "a\/#=xml": each entry must be filter=format with format one of senml, json, gps/,
    );
    expect(failure({ MQTT_URL: 'mqtt://x', MQTT_TOPICS: 'a/#/b=json' })).toMatch(
      /MQTT_TOPICS: "a\/#\/b=json": the topic filter # must be a whole level and the last one/,
    );
    expect(failure({ MQTT_URL: 'mqtt://x', MQTT_TOPICS: 'a/b+=json' })).toMatch(/\+ must be a whole level/);
    expect(failure({ MQTT_URL: 'mqtt://x', MQTT_TOPICS: 'a=json,a=senml' })).toMatch(/listed twice/);
  });

  it('needs MQTT_TOPICS with MQTT_URL, and a user name with a password', () => {
    expect(failure({ MQTT_URL: 'mqtt://x' })).toMatch(/MQTT_TOPICS: must be set too when MQTT_URL is set/);
    expect(failure({ MQTT_TOPICS: 'a=json' })).toMatch(/MQTT_URL: must be set too when MQTT_TOPICS is set/);
    expect(failure({ MQTT_URL: 'mqtt://x', MQTT_TOPICS: 'a=json', MQTT_PASSWORD: 'pw-0000001' })).toMatch(
      /MQTT_USERNAME: must be set too when MQTT_PASSWORD is set/,
    );
  });

  it('never echoes the MQTT password or a URL that may hold one', () => {
    const msg = failure({ MQTT_URL: 'http://u:Url-Pw-0001@h', MQTT_TOPICS: 'a=json', MQTT_PASSWORD: 'x'.repeat(300) });
    expect(msg).toMatch(/MQTT_URL: .*\(value not shown/);
    expect(msg).toMatch(/MQTT_PASSWORD: .*\(value not shown/);
    expect(msg).not.toContain('Url-Pw-0001');
    expect(msg).not.toContain('xxxxxxxx');
  });

  it('checks topic filters as MQTT 3.1.1 sec. 4.7 says', () => {
    for (const ok of ['#', '+', 'a/+/b', 'a/#', '+/+', 'sport/tennis/player1', '/a', '$share/g/a/#'])
      expect(topicFilterProblem(ok), ok).toBeUndefined();
    for (const bad of ['', 'a#', 'a/#/b', 'a+/b', '#/a', 'a/b\u0000'])
      expect(topicFilterProblem(bad), bad).toBeDefined();
  });
});
