import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMergePatch, type AlertsChannelState, type Json } from '@cityops/schema';
import { parseScenarioOptions, replayScenario, writeScenario, type GroundTruthRecord } from '@cityops/simulator';
import { chromiumLaunchOptions, eventually, realInfra, uniqueName } from '@cityops/testkit';
import { startApp, type RunningApp } from './start-app.js';

/**
 * Issue 9 "Done when": a scenario with a known blockage is replayed through ingest, the alert
 * arrives on the socket.io `alerts` channel and the wall in Chromium draws it (list row and the
 * map's road segment), in embedded mode and in distributed mode.
 *
 * Event time: the detector's 10-minute dwell threshold is in event time, and the replay tool
 * compresses event time by its speed. So the scenario is simulated to end a few minutes before
 * now, and replayed at speed 1 on a virtual clock (`now`/`wait` of `replayScenario`: a wait
 * advances the clock instead of sleeping): every event keeps its simulated time, none is in the
 * future, and the whole 36 minutes go in as fast as ingest answers. The app accepts events up to
 * an hour old (ALLOWED_LATENESS_MS).
 */
const API_KEY = 'e2e-alerts-key-0123456789abcdef';
const HOURS = 0.6;
const LATENESS_MS = 3_600_000;

interface Scenario {
  dir: string;
  end: number;
  /** the blockages whose dwell threshold is crossed well before the scenario ends */
  blockages: GroundTruthRecord[];
}

async function simulateBlockage(): Promise<Scenario> {
  const dir = mkdtempSync(join(tmpdir(), 'cityops-e2e-alerts-'));
  // whole seconds, ending 4 minutes before now (simulation + start-up take well under that)
  const start = Math.floor((Date.now() - HOURS * 3_600_000 - 4 * 60_000) / 1000) * 1000;
  const options = parseScenarioOptions({
    seed: 1,
    hours: HOURS,
    start: new Date(start).toISOString(),
    sensors: 200,
    vehicles: 30,
    ticketsPerHour: 100,
    incidentsPerHour: 3,
    incidentTypes: ['road_blockage'],
    feeds: 'realistic',
  });
  const result = await writeScenario({ options, outDir: dir });
  const end = Date.parse(result.manifest.end);
  const blockages = result.truth.filter(
    (r) =>
      r.type === 'road_blockage' &&
      typeof r.details.thresholdCrossedAt === 'string' &&
      Date.parse(r.details.thresholdCrossedAt) <= end - 8 * 60_000,
  );
  if (blockages.length === 0) throw new Error(`the scenario in ${dir} has no blockage crossing its threshold in time`);
  return { dir, end, blockages };
}

/** Replays at speed 1 on a virtual clock that starts at the scenario's start (see above). */
async function replayInEventTime(dir: string, url: string) {
  const manifest = JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')) as { start: string };
  let clock = Date.parse(manifest.start);
  const summary = await replayScenario({
    dir,
    url,
    apiKey: API_KEY,
    speed: 1,
    batchSize: 500,
    deadlineMs: 10 * 3_600_000,
    progressOut: { write: () => true },
    now: () => clock,
    // the clock jumps; a little real time passes so a retry after "in flight" is not a busy loop
    wait: async (ms: number) => {
      clock += ms;
      await sleep(Math.min(ms / 50, 100));
    },
  });
  if (clock > Date.now()) throw new Error('the virtual clock ran ahead of the wall clock');
  return summary;
}

/** A screen on the `alerts` channel: snapshot + deltas folded as the dashboard does. */
class AlertsScreen {
  readonly socket: Socket;
  state: AlertsChannelState | null = null;
  seq = 0;
  readonly errors: string[] = [];
  constructor(url: string, token: string) {
    this.socket = io(url, { transports: ['websocket'], reconnection: false, auth: { token } });
    this.socket.on('connect', () => this.socket.emit('subscribe', { channels: ['alerts'] }));
    this.socket.on('connect_error', (e: Error) => this.errors.push(e.message));
    this.socket.on('snapshot', (s: { channel: string; seq: number; state: AlertsChannelState }) => {
      if (s.channel !== 'alerts') return;
      this.state = s.state;
      this.seq = s.seq;
    });
    this.socket.on('delta', (d: { channel: string; seq: number; patch: unknown }) => {
      if (d.channel !== 'alerts' || this.state === null) return;
      if (d.seq !== this.seq + 1) {
        this.socket.emit('resync', { channel: 'alerts' });
        return;
      }
      this.state = applyMergePatch(this.state as unknown as Json, d.patch as Json) as unknown as AlertsChannelState;
      this.seq = d.seq;
    });
  }
  /**
   * The road_blockage alert on this segment detected within [from, to] in event time: in
   * distributed mode the shared city.alerts.v1 also holds other runs' alerts, on the same
   * segment too (the same seed), detected at their own times.
   */
  blockageOn(roadSegmentId: string, from: number, to: number) {
    return Object.values(this.state?.alerts ?? {}).find(
      (a) =>
        a.type === 'road_blockage' &&
        a.roadSegmentId === roadSegmentId &&
        Date.parse(a.detectedAt) >= from &&
        Date.parse(a.detectedAt) <= to,
    );
  }
  close() {
    this.socket.close();
  }
}

function alertsSuite(mode: 'embedded' | 'distributed') {
  const infra = mode === 'distributed' ? realInfra() : undefined;
  let app: RunningApp;
  let scenario: Scenario;
  let token: string;
  let screen: AlertsScreen;
  let browser: Browser | undefined;

  beforeAll(async () => {
    scenario = await simulateBlockage();
    const prefix = uniqueName('e2e-alerts');
    app = await startApp(
      {
        PORT: '0',
        SIMULATOR: 'off',
        INGEST_API_KEYS: API_KEY,
        ALLOWED_LATENESS_MS: String(LATENESS_MS),
        ...(infra
          ? {
              KAFKA_BROKERS: infra.kafkaBrokers.join(','),
              REDIS_URL: infra.redisUrl,
              REDIS_KEY_PREFIX: prefix,
              AGGREGATOR_GROUP: uniqueName('e2e-alerts-aggregator'),
            }
          : { KAFKA_BROKERS: '', REDIS_URL: '' }),
      },
      120_000,
    );
    // startApp made a screen user where the app looks (USERS_FILE, or Redis under the prefix)
    token = app.screenToken;
    screen = new AlertsScreen(app.url, token);
    await eventually(() => (screen.state ? true : undefined), 30_000, 'the alerts snapshot');
  }, 240_000);

  afterAll(async () => {
    screen?.close();
    await browser?.close();
    if (app) expect(await app.stop()).toBe(0);
  });

  it('a screen without a token is refused the socket', async () => {
    const anon = io(app.url, { transports: ['websocket'], reconnection: false });
    const err = await new Promise<Error>((resolve) => anon.once('connect_error', resolve));
    anon.close();
    expect(err.message).toBe('E_HTTP_UNAUTHORIZED');
  });

  it('the replayed blockage arrives on the alerts channel with its road segment', async () => {
    const summary = await replayInEventTime(scenario.dir, app.url);
    expect(summary.rejected).toEqual({});
    expect(summary.accepted + summary.duplicates).toBe(summary.events);
    for (const incident of scenario.blockages) {
      const segment = incident.place.roadId!;
      const alert = await eventually(
        () => screen.blockageOn(segment, Date.parse(incident.details.thresholdCrossedAt as string), scenario.end),
        180_000,
        `a road_blockage alert on ${segment} (${mode}); output:\n${app.output().slice(-3000)}`,
      );
      expect(alert.type).toBe('road_blockage');
      expect(alert.roadSegmentId).toBe(segment);
      expect(alert.districtId).toBe(incident.place.districtId);
      // detected in event time after the dwell threshold, within the scenario
      const detected = Date.parse(alert.detectedAt);
      expect(detected).toBeGreaterThanOrEqual(Date.parse(incident.details.thresholdCrossedAt as string));
      expect(detected).toBeLessThanOrEqual(scenario.end);
      expect(alert.roadLine?.length ?? 0).toBeGreaterThanOrEqual(2);
    }
  }, 400_000);

  it('the wall in Chromium marks the blockage and its segment on the map (and lists it, embedded)', async () => {
    browser = await chromium.launch(chromiumLaunchOptions());
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // the wall's own way in: ?token= (the dashboard keeps it and sends it in the handshake)
    await page.goto(new URL(`/?token=${encodeURIComponent(token)}`, app.url).toString());
    for (const incident of scenario.blockages) {
      const crossed = Date.parse(incident.details.thresholdCrossedAt as string);
      const alert = screen.blockageOn(incident.place.roadId!, crossed, scenario.end)!;
      expect(alert).toBeDefined();
      if (mode === 'embedded') {
        // a fresh alert topic: the list's 12 rows hold this run's alerts. (In distributed mode
        // the shared topic's other open alerts may outrank it in the list; the map draws them all.)
        const row = page.locator(`[data-widget="alert-list"] [data-alert-id="${alert.alertId}"]`);
        await row.waitFor({ timeout: 60_000 });
        expect(await row.getAttribute('data-state')).not.toBe('cleared');
        expect(await row.innerText()).toContain('占道');
      }
      // the map marks it and draws its road segment
      await eventually(
        async () => {
          const map = page.locator('[data-widget="city-map"]');
          const segments = (await map.getAttribute('data-alert-segments')) ?? '';
          const markers = (await map.getAttribute('data-alert-markers')) ?? '';
          return segments.split(' ').includes(alert.alertId) && markers.split(' ').includes(alert.alertId)
            ? true
            : undefined;
        },
        60_000,
        `the map marking ${alert.alertId}`,
      );
    }
    expect(pageErrors).toEqual([]);
  }, 180_000);
}

describe('alerts end to end, embedded mode (one process)', () => {
  alertsSuite('embedded');
});

describe('alerts end to end, distributed mode (own processes on real Kafka and Redis)', () => {
  alertsSuite('distributed');
});
