import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCityPack } from '@cityops/city';
import { Topics } from '@cityops/schema';
import { dashboardDir } from '../dashboard-files.js';
import { blockageAlert } from '../test/alert-fixture.js';
import { startTestGateway, type TestGateway } from '../test/test-gateway.js';
import type { SourceHealthInput } from './sources-channel.js';

/**
 * The alerts and sources channels drawn by the real dashboard in Chromium: a gateway on embedded
 * ports (serving the built dashboard), a valid road_blockage AlertEvent published on its
 * city.alerts.v1, and the page's widgets read back through their data-widget attributes.
 */
const pack = loadCityPack();
const SHOT = join(fileURLToPath(new URL('../../../../', import.meta.url)), 'artifacts/alerts-1920x1080.png');
let gw: TestGateway;
let browser: Browser;
let page: Page;
const errors: string[] = [];
const now = Date.now();
const sources: SourceHealthInput[] = [
  {
    name: 'mqtt-sensors',
    source: 'mqtt',
    eventsPerSecond: 42,
    lastEventAt: new Date(now).toISOString(),
    accepted: 900,
    rejected: 100,
    connection: 'connected',
  },
  { name: 'gps-feed', source: 'gps', eventsPerSecond: 0, lastEventAt: new Date(now - 10 * 60_000).toISOString() },
];
// the feed keeps reporting: the live source's last event moves with the clock
const provider = () =>
  sources.map((s) => (s.name === 'mqtt-sensors' ? { ...s, lastEventAt: new Date().toISOString() } : s));

describe('alerts on the wall, in Chromium', () => {
  beforeAll(async () => {
    if (!dashboardDir()) throw new Error('the dashboard is not built: run `npm run build` at the root first');
    gw = await startTestGateway({}, { sourceHealth: provider });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${gw.url}?token=${gw.screenToken}`);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('before any alert: the list is fresh and empty, nothing flashes', async () => {
    await page.waitForSelector('[data-widget="alert-list"][data-fresh="true"]', { timeout: 30_000 });
    expect(await page.locator('[data-widget="alert-list"] .alert-row').count()).toBe(0);
    expect(await page.getAttribute('[data-widget="critical-alert"]', 'data-active')).toBe('false');
  });

  it('a critical blockage: flashes full width, is listed with its place, and is marked on the map with its road', async () => {
    const alert = blockageAlert(pack, { alertId: 'wall-blockage-1' });
    await gw.bus.publish(Topics.alerts, [{ key: alert.alertId, value: JSON.stringify(alert) }]);
    const row = page.locator('[data-widget="alert-list"] [data-alert-id="wall-blockage-1"]');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-severity')).toBe('critical');
    expect(await row.getAttribute('data-state')).toBe('raised');
    const text = await row.innerText();
    expect(text).toContain('占道堵路');
    expect(text).toContain('普陀区');

    const banner = page.locator('[data-widget="critical-alert"][data-active="true"]');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.getAttribute('data-alert-id')).toBe('wall-blockage-1');
    const box = (await banner.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(1900);

    const map = page.locator('[data-widget="city-map"]');
    await page.waitForSelector('[data-widget="city-map"][data-alert-segments="wall-blockage-1"]', {
      state: 'attached',
      timeout: 30_000,
    });
    expect(await map.getAttribute('data-alert-markers')).toBe('wall-blockage-1');
    mkdirSync(join(SHOT, '..'), { recursive: true });
    await page.screenshot({ path: SHOT });

    await page.click('[data-testid="critical-ack"]');
    await page.waitForSelector('[data-widget="critical-alert"][data-active="false"]', {
      state: 'attached',
      timeout: 10_000,
    });
    // acknowledged on the screen: the alert itself stays listed and marked
    expect(await row.count()).toBe(1);
  });

  it('a clear takes the marker off the map and shows the alert as cleared', async () => {
    const clear = blockageAlert(pack, { alertId: 'wall-blockage-1', seq: 2, state: 'cleared' });
    await gw.bus.publish(Topics.alerts, [{ key: clear.alertId, value: JSON.stringify(clear) }]);
    await page.waitForSelector('[data-alert-id="wall-blockage-1"][data-state="cleared"]', { timeout: 30_000 });
    await page.waitForSelector('[data-widget="city-map"][data-alert-markers=""]', {
      state: 'attached',
      timeout: 30_000,
    });
  });

  it('sources: rate, last seen and rejected %; a silent source is a stale row, not zero', async () => {
    await page.waitForSelector('[data-widget="sources-panel"][data-fresh="true"]', { timeout: 30_000 });
    const live = page.locator('[data-source="mqtt-sensors"]');
    expect(await live.getAttribute('data-fresh')).toBe('true');
    expect(await live.innerText()).toMatch(/42\.0\/s[\s\S]*10\.0%/);
    const silent = page.locator('[data-source="gps-feed"]');
    expect(await silent.getAttribute('data-fresh')).toBe('false');
    const t = await silent.innerText();
    expect(t).toContain('静默');
    expect(t).not.toContain('0.0/s');
    expect(errors).toEqual([]);
  });
});
