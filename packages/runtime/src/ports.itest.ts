import { describe, expect, it } from 'vitest';
import { loadConfig } from '@cityops/config';
import { Topics, isCityopsError } from '@cityops/schema';
import { realInfra } from '@cityops/testkit';
import { createIngestor, loadCity } from './city.js';
import type { Logger } from './log.js';
import { openPorts } from './ports.js';

/** A logger that keeps its lines, to see what reaches it. */
function keptLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('openPorts', () => {
  it('opens the embedded bus and memory store when nothing is configured, with the topics created', async () => {
    const ports = await openPorts(loadConfig({}), 'test');
    expect([ports.bus.kind, ports.store.kind]).toEqual(['embedded', 'memory']);
    expect(Object.keys(await ports.bus.endOffsets(Topics.events))).toHaveLength(8);
    await ports.bus.close();
    await ports.store.close();
  });

  it('opens Kafka and Redis in distributed mode', async () => {
    const infra = realInfra();
    const ports = await openPorts(
      loadConfig({ KAFKA_BROKERS: infra.kafkaBrokers.join(','), REDIS_URL: infra.redisUrl }),
      'test',
    );
    expect([ports.bus.kind, ports.store.kind]).toEqual(['kafka', 'redis']);
    expect((await ports.bus.health()).ok).toBe(true);
    await ports.bus.close();
    await ports.store.close();
  });

  it('fails fast naming the Redis URL when Redis does not answer', async () => {
    const infra = realInfra();
    const started = Date.now();
    const err = await openPorts(
      loadConfig({ KAFKA_BROKERS: infra.kafkaBrokers.join(','), REDIS_URL: 'redis://127.0.0.1:1' }),
      'test',
    ).catch((e: unknown) => e);
    expect(isCityopsError(err, 'E_STORE_UNAVAILABLE')).toBe(true);
    expect(String((err as Error).message)).toMatch(/127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('names REDIS_URL without its password or query values when Redis does not answer', async () => {
    const infra = realInfra();
    const err = await openPorts(
      loadConfig({
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        REDIS_URL: 'redis://ops:Ports-Pw-0001@127.0.0.1:1/?password=Ports-Pw-0002',
      }),
      'test',
    ).catch((e: unknown) => e);
    expect(isCityopsError(err, 'E_STORE_UNAVAILABLE')).toBe(true);
    const shown = `${String((err as Error).message)} ${JSON.stringify(err)}`;
    expect(shown).toMatch(/REDIS_URL is unreachable: Redis at redis:\/\/ops:\*\*\*@127\.0\.0\.1:1/);
    expect(shown).not.toContain('Ports-Pw-0001');
    expect(shown).not.toContain('Ports-Pw-0002');
  });

  it("sends kafkajs's errors through the app's logger, tagged as the bus's", async () => {
    const log = keptLogger();
    const err = await openPorts(
      loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:6379' }),
      'test',
      log,
    ).catch((e: unknown) => e);
    expect(isCityopsError(err, 'E_BUS_UNAVAILABLE')).toBe(true);
    expect(log.lines.some((l) => /^error kafkajs .*127\.0\.0\.1:1.*"component":"bus"/.test(l))).toBe(true);
  });
});

describe('loadCity and createIngestor', () => {
  it('load the default pack and build an ingestor that knows its taxonomy', async () => {
    const config = loadConfig({});
    const city = loadCity(config);
    expect(city.pack.districts).toHaveLength(16);
    expect(city.index.locate(121.4737, 31.2304).inside).toBe(true);
    const ports = await openPorts(config, 'test');
    const ingestor = createIngestor(config, ports, city);
    const result = await ingestor.ingest(
      [
        {
          ok: true,
          value: {
            v: 1,
            id: 'x',
            source: 's',
            type: 'sensor.reading',
            eventTime: new Date().toISOString(),
            location: { lon: 121.4737, lat: 31.2304 },
            category: { kind: 'part', code: 'P.99.01' },
            payload: { sensorId: 'a', kind: 'noise', value: 1, unit: 'dB' },
          },
        },
      ],
      'test',
    );
    expect(result.rejected.map((r) => r.code)).toEqual(['E_EVT_UNKNOWN_CATEGORY']);
    await ports.bus.close();
    await ports.store.close();
  });
});
