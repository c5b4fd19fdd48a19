import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '@cityops/schema';
import { API_KEY, EXPECTED_DEAD_LETTER_CODES, runIntakeScenario } from './intake-scenario.js';
import { startApp, type RunningApp } from './start-app.js';

describe('embedded mode, end to end (one process, no Kafka, no Redis)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({
      PORT: '0',
      SIMULATOR: 'off',
      INGEST_API_KEYS: API_KEY,
      // the dead letters are read with a data-team key: the same one here
      DATA_API_KEYS: API_KEY,
      MAX_BODY_BYTES: '65536',
      KAFKA_BROKERS: '',
      REDIS_URL: '',
    });
  });
  afterAll(async () => {
    expect(await app.stop()).toBe(0);
  });

  it('reports its mode and components on /healthz', async () => {
    const health = (await (await fetch(new URL('/healthz', app.url), { headers: app.auth })).json()) as {
      mode: string;
      components: Record<string, { kind?: string }>;
    };
    expect(health.mode).toBe('embedded');
    expect(health.components.bus?.kind).toBe('embedded');
    expect(health.components.store?.kind).toBe('memory');
  });

  it('counts exactly the valid events on a screen and dead-letters the rest with reasons', async () => {
    const result = await runIntakeScenario(
      app.url,
      async () => {
        const res = await fetch(new URL('/api/v1/dead-letters?limit=50', app.url), {
          headers: { 'x-api-key': API_KEY },
        });
        return ((await res.json()) as { deadLetters: DeadLetter[] }).deadLetters;
      },
      app.screenToken,
    );
    expect(result.deadLetterCodes).toEqual(EXPECTED_DEAD_LETTER_CODES);
    // a fresh process with the simulator off: the whole city's counts are exactly this test's
    const state = result.screen.state!;
    expect(state.total.m15).toBe(40);
    expect(Object.fromEntries(Object.entries(state.byDistrict).map(([d, c]) => [d, c.m15]))).toEqual(
      result.expectedByDistrict,
    );
    expect(state.byType['sensor.reading']).toEqual({ m1: 40, m15: 40 });
    const snapshot = (await (await fetch(new URL('/api/v1/snapshot', app.url), { headers: app.auth })).json()) as {
      seq: number;
      state: { total: { m15: number } };
    };
    expect(snapshot.state.total.m15).toBe(40);
    result.screen.close();
  });

  it('keeps its doors shut without an identity: /healthz says only its status, the snapshot is 401', async () => {
    const bare = (await (await fetch(new URL('/healthz', app.url))).json()) as Record<string, unknown>;
    expect(Object.keys(bare).sort()).toEqual(['mode', 'status']);
    expect((await fetch(new URL('/api/v1/snapshot', app.url))).status).toBe(401);
  });

  it('answers a resync with a fresh snapshot at the current seq', async () => {
    const { ScreenClient } = await import('./screen-client.js');
    const screen = new ScreenClient(app.url, app.screenToken);
    const { eventually } = await import('@cityops/testkit');
    await eventually(() => (screen.snapshots === 1 ? true : undefined), 10_000, 'first snapshot');
    screen.socket.emit('resync', { channel: 'vitals' });
    await eventually(() => (screen.snapshots === 2 ? true : undefined), 10_000, 'second snapshot');
    expect(screen.state?.total.m15).toBe(40);
    screen.close();
  });
});
