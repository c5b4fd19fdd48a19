import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '@cityops/testkit';

/**
 * The real screen in a real browser: the launcher in embedded mode (simulator on), Debian's
 * Chromium driven by playwright-core. Nothing is downloaded: the browser is the system one.
 * Needs `npm run build` at the root first (turbo's `test:browser` depends on it).
 * Set CITYOPS_URL to point the suite at an already running gateway instead of spawning one.
 */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const LAUNCHER = join(REPO, 'apps/launcher/dist/main.js');
const SHOT = join(REPO, 'artifacts/dashboard-1920x1080.png');
const READY = /cityops ready: (https?:\/\/[^\s"'\\]+)/;

let launcher: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let baseUrl: string;
const pageErrors: string[] = [];
let launcherOutput = '';

function startLauncher(): Promise<string> {
  if (!existsSync(LAUNCHER)) {
    throw new Error(`${LAUNCHER} is missing: run \`npm run build\` at the repository root first`);
  }
  const child = spawn(process.execPath, [LAUNCHER], {
    cwd: REPO,
    // a users file of its own: the first start makes the admin and the wall's screen token; no simulated
    // incidents, whose critical alerts would jump the wall to its cases scene (scenes/playlist.ts)
    env: {
      ...process.env,
      PORT: '0',
      USERS_FILE: join(mkdtempSync(join(tmpdir(), 'cityops-wall-')), 'users.json'),
      SIM_INCIDENTS_PER_HOUR: '0',
    },
    // IPC: the launcher stops itself when this test process dies, never an orphan
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.channel?.unref();
  launcher = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`launcher not ready in 60 s:\n${launcherOutput}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      launcherOutput += chunk.toString();
      const m = READY.exec(launcherOutput);
      if (m?.[1]) {
        clearTimeout(timer);
        // the wall URL with its screen token, as printed (http://127.0.0.1:PORT/?token=...)
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (launcherOutput += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`launcher exited with ${code} before it was ready:\n${launcherOutput}`));
    });
  });
}

/** Pixels of a chart's canvas that are drawn (ECharts leaves the background transparent). */
async function drawnPixels(selector: string): Promise<{ drawn: number; total: number }> {
  return page.evaluate((sel) => {
    const canvas = document.querySelector<HTMLCanvasElement>(sel);
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || canvas.width === 0 || canvas.height === 0) return { drawn: 0, total: 0 };
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let drawn = 0;
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 16) drawn++;
    return { drawn, total: canvas.width * canvas.height };
  }, selector);
}

describe('the big screen in Chromium, against the real app in embedded mode', () => {
  beforeAll(async () => {
    baseUrl = process.env.CITYOPS_URL ?? (await startLauncher());
    browser = await chromium.launch(chromiumLaunchOptions());
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    const child = launcher;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });

  it('goes live: the status element says so once the first snapshot is in and fresh', async () => {
    await page.goto(baseUrl);
    await page.waitForSelector('[data-testid=status][data-state=live]', { timeout: 45_000 });
    // the token left the address bar for sessionStorage
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => sessionStorage.getItem('cityops.token'))).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.textContent('[data-testid=status]')).toContain('LIVE');
  });

  it('draws the map and the KPI chart on canvas', async () => {
    await page.waitForSelector('[data-testid=city-map] canvas', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=kpi-panel] canvas', { timeout: 30_000 });
    // the map fills a good share of its canvas with district polygons
    await expect
      .poll(
        async () => {
          const { drawn, total } = await drawnPixels('[data-testid=city-map] canvas');
          return total > 0 ? drawn / total : 0;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBeGreaterThan(0.1);
    await expect
      .poll(async () => (await drawnPixels('[data-testid=kpi-panel] canvas')).drawn, { timeout: 20_000, interval: 500 })
      .toBeGreaterThan(5_000);
  });

  it('shows a district with a non-zero count once the simulator has produced events', async () => {
    await expect
      .poll(
        async () =>
          page.$$eval('[data-testid=district-row]', (rows) =>
            Math.max(0, ...rows.map((r) => Number(r.getAttribute('data-m15') ?? 0))),
          ),
        { timeout: 60_000, interval: 1_000 },
      )
      .toBeGreaterThan(0);
    const total = await page.getAttribute('[data-testid=kpi-total-m15]', 'data-value');
    expect(Number(total)).toBeGreaterThan(0);
  });

  it('saves a 1920×1080 screenshot of the live screen, without page errors', async () => {
    // let the trend and the map settle after the last delta's animation
    await page.waitForTimeout(1_500);
    expect(await page.getAttribute('[data-testid=status]', 'data-state')).toBe('live');
    mkdirSync(join(REPO, 'artifacts'), { recursive: true });
    await page.screenshot({ path: SHOT });
    expect(existsSync(SHOT)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
