import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topics } from '@cityops/schema';
import { chromiumLaunchOptions } from '@cityops/testkit';
import { dashboardDir } from '../dashboard-files.js';
import { startTestGateway, type TestGateway } from '../test/test-gateway.js';

/**
 * 复盘 on the real wall in Chromium: a gateway on embedded ports serving the built dashboard, a
 * replay of a known period started by an officer, the wall opened with `?replay=<id>` (a screen
 * token: it may watch only) and an officer's wall (it gets the slider and the speed).
 */
const SHOT = join(fileURLToPath(new URL('../../../../', import.meta.url)), 'artifacts/replay-1920x1080.png');
const MIN = 60_000;
const T = Math.floor((Date.now() - 4 * MIN) / 10_000) * 10_000;
let gw: TestGateway;
let browser: Browser;
let officer: string;
let replayId: string;
const errors: string[] = [];

const open = async (token: string, id: string): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${gw.url}?token=${token}&replay=${id}`);
  return page;
};

describe('a replay on the wall, in Chromium', () => {
  beforeAll(async () => {
    if (!dashboardDir()) throw new Error('the dashboard is not built: run `npm run build` at the root first');
    gw = await startTestGateway();
    officer = await gw.tokenFor('officer');
    // 60 events in the period [T, T + 2 min), 30 after it; all appended now
    await gw.bus.publish(
      Topics.events,
      Array.from({ length: 90 }, (_, i) => ({
        key: `grid-${i % 5}`,
        value: JSON.stringify({
          v: 1,
          id: `w-${i}`,
          source: 'sim.sensors',
          type: 'sensor.reading',
          eventTime: new Date(T + i * 2_000).toISOString(),
          location: { lon: 121.4, lat: 31.2 },
        }),
      })),
    );
    const res = await fetch(new URL('/api/v1/replays', gw.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${officer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: T, to: T + 2 * MIN, speed: 'max' }),
    });
    expect(res.status).toBe(201);
    replayId = ((await res.json()) as { id: string }).id;
    browser = await chromium.launch(chromiumLaunchOptions());
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('a screen opened with ?replay=<id> is marked 复盘 REPLAY with the replayed time, and shows the replay’s figures', async () => {
    const page = await open(gw.screenToken, replayId);
    const mark = page.locator('[data-replay="mark"]');
    await mark.waitFor({ timeout: 30_000 });
    expect(await mark.innerText()).toContain('复盘 REPLAY');
    // the replayed event time: the period's last event, once the replay is read
    await page.waitForSelector(`[data-replay-time="${new Date(T + 59 * 2_000).toISOString()}"]`, {
      state: 'attached',
      timeout: 30_000,
    });
    await page.waitForSelector('[data-replay="mark"][data-replay-phase="done"]', { timeout: 30_000 });
    // the snapshot is the replay's: 60 events of the period, not the live figures (nothing live here)
    await page.waitForSelector('[data-testid="kpi-total-m15"][data-value="60"]', { timeout: 30_000 });
    // the frame marks the whole screen, whatever scene it shows
    const frame = (await page.locator('.replay-frame').boundingBox())!;
    expect([frame.width, frame.height]).toEqual([1920, 1080]);
    // the status badge does not say live on a replay
    expect(await page.locator('[data-testid="status"]').innerText()).not.toContain('LIVE');
    // a screen token may only watch: no controls
    expect(await page.locator('[data-replay="controls"]').count()).toBe(0);
    mkdirSync(join(SHOT, '..'), { recursive: true });
    await page.screenshot({ path: SHOT });
    await page.close();
  });

  it('an officer’s wall has the time slider and the speed; the live wall has no mark', async () => {
    const page = await open(officer, replayId);
    await page.locator('[data-replay="controls"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-replay="controls"] input[type="range"]').count()).toBe(1);
    expect(await page.locator('[data-replay="controls"] select').inputValue()).toBe('max');
    await page.close();
    const live = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await live.goto(`${gw.url}?token=${gw.screenToken}`);
    await live.waitForSelector('[data-testid="kpi-total-m15"]', { timeout: 30_000 });
    expect(await live.locator('[data-replay="mark"]').count()).toBe(0);
    await live.close();
    expect(errors).toEqual([]);
  });
});
