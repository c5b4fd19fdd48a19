import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '@cityops/testkit';

/**
 * A screen that never lies, in Chromium (issue 12 parts 3 and 5): the real launcher in embedded
 * mode with the simulator off and two private feeds posted to its canonical door, a hotline feed
 * that keeps sending and a sensor feed that this test stops. Then (a) the sensor feed's widgets
 * turn stale saying the feed is silent, never 0, while the rest of the wall stays live; (b) the
 * launcher (the gateway) is stopped by pid and started again on the same port under the open
 * page, which goes offline, then live again, without a reload.
 */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const LAUNCHER = join(REPO, 'apps/launcher/dist/main.js');
const READY = /cityops ready: (https?:\/\/[^\s"'\\]+)/;
const HOTLINE_KEY = 'btest-hotline-key-000000001';
const SENSORS_KEY = 'btest-sensors-key-000000001';
const HOTLINE = 'e2e-btest-hotline';
const SENSORS = 'e2e-btest-sensors';

let port = 0;
let launcher: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let base = '';
let out = '';
const usersFile = join(mkdtempSync(join(tmpdir(), 'cityops-truth-')), 'users.json');
const pageErrors: string[] = [];
/** every request the page made, and the bytes of the font files it fetched */
const requests: string[] = [];
const fontFiles = new Map<string, number>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function startLauncher(): Promise<string> {
  if (!existsSync(LAUNCHER)) throw new Error(`${LAUNCHER} is missing: run \`npm run build\` at the root first`);
  out = '';
  const child = spawn(process.execPath, [LAUNCHER], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SIMULATOR: 'off',
      KAFKA_BROKERS: '',
      REDIS_URL: '',
      LOG_LEVEL: 'warn',
      USERS_FILE: usersFile,
      KNOWN_SOURCES: `${HOTLINE},${SENSORS}`,
      INGEST_API_KEYS: `${HOTLINE_KEY}:${HOTLINE},${SENSORS_KEY}:${SENSORS}`,
    },
    // IPC: the launcher stops itself when this test process dies, never an orphan
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.channel?.unref();
  launcher = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`launcher not ready in 60 s:\n${out}`)), 60_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = READY.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`launcher exited with ${code} before it was ready:\n${out}`));
    });
  });
}

async function stopLauncher(): Promise<void> {
  const child = launcher;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** A private feed: a batch of events every 250 ms at the canonical door, until stopped. */
class Feed {
  private timer: ReturnType<typeof setInterval> | undefined;
  private n = 0;
  sent = 0;
  constructor(
    private readonly source: string,
    private readonly key: string,
    private readonly make: (id: string, n: number) => Record<string, unknown>,
  ) {}
  start(): void {
    this.timer = setInterval(() => void this.post(), 250);
  }
  stop(): void {
    clearInterval(this.timer);
  }
  private async post(): Promise<void> {
    const events = Array.from({ length: 3 }, () => {
      const n = this.n++;
      return {
        v: 1,
        id: `${this.source}-${process.pid}-${n}`,
        source: this.source,
        eventTime: new Date(Date.now() - 500).toISOString(),
        location: { lon: 121.4737 + (n % 10) * 0.002, lat: 31.2304 },
        ...this.make(`${this.source}-${n}`, n),
      };
    });
    try {
      const res = await fetch(new URL('/api/v1/events', base), {
        method: 'POST',
        headers: { 'x-api-key': this.key, 'content-type': 'application/json' },
        body: JSON.stringify(events),
        signal: AbortSignal.timeout(2_000),
      });
      if (res.status === 202) this.sent += events.length;
    } catch {
      // the gateway is down (the restart test): the feed keeps trying
    }
  }
}

const hotline = new Feed(HOTLINE, HOTLINE_KEY, (id) => ({
  type: 'hotline.ticket',
  category: { kind: 'event', code: 'E.01.01' },
  payload: { ticketId: id, stage: 'received', channel: 'phone' },
}));
const sensors = new Feed(SENSORS, SENSORS_KEY, (id, n) => ({
  type: 'sensor.reading',
  category: { kind: 'part', code: 'P.01.10' },
  payload: { sensorId: `s-${n % 20}`, kind: 'water_level', value: 0.2 + (n % 5) * 0.01, unit: 'm' },
}));

/** an attribute of an element on the wall (waiting for it through a critical alert's jump, see onWall) */
const attr = async (sel: string, name: string) => {
  await onWall(sel, 30_000);
  return page.getAttribute(sel, name, { timeout: 5_000 });
};

/**
 * Waits until `selector` is on the wall. A stopped feed makes the detector raise alerts, and a
 * critical one takes the wall to the cases scene until acknowledged: this presses 确认 on the
 * banner as an operator would, so the overview (with the sources panel) comes back.
 */
async function onWall(selector: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if ((await page.locator(selector).count()) > 0) return;
    const ack = page.locator('[data-testid="critical-ack"]');
    if (await ack.isVisible().catch(() => false)) await ack.click({ timeout: 2_000 }).catch(() => undefined);
    if (Date.now() > end) {
      const body = (await page.innerText('body').catch(() => '')).slice(0, 2_000);
      throw new Error(`${selector} not on the wall within ${timeoutMs} ms; the wall reads:\n${body}`);
    }
    await page.waitForTimeout(500);
  }
}
const row = (source: string) => `[data-widget="sources-panel"] [data-source="events/${source}"]`;

describe('a screen that never lies: a silent feed, a gateway restart', () => {
  beforeAll(async () => {
    port = await freePort();
    const url = await startLauncher();
    base = new URL(url).origin;
    hotline.start();
    sensors.start();
    browser = await chromium.launch(chromiumLaunchOptions());
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => {
      if (/\.woff2?(\?|$)/.test(r.url()))
        void r.body().then(
          (b) => fontFiles.set(r.url(), b.length),
          () => undefined,
        );
    });
    // the overview alone (no rotation): the scene with the sources panel
    await page.goto(`${url}&scenes=overview`, { timeout: 120_000 });
  });

  afterAll(async () => {
    hotline.stop();
    sensors.stop();
    await browser?.close();
    await stopLauncher();
  });

  it('goes live with both feeds reporting, their rows fresh and typed', async () => {
    await page.waitForSelector('[data-testid=status][data-state=live]', { timeout: 60_000 });
    await onWall(`${row(SENSORS)}[data-fresh="true"]`, 30_000);
    await onWall(`${row(HOTLINE)}[data-fresh="true"]`, 30_000);
    expect(await attr(row(SENSORS), 'data-types')).toBe('sensor.reading');
    // the clock drift is measured by ping (the browser and the gateway share this machine's clock)
    await page.waitForSelector('[data-testid=clock-drift][data-via=ping]', { timeout: 30_000 });
    expect(Math.abs(Number(await attr('[data-testid=clock-drift]', 'data-drift-ms')))).toBeLessThan(1_000);
  });

  it('draws its CJK text in the font it ships (Noto Sans SC), fetched from the gateway only', async () => {
    await page.evaluate(() => document.fonts.ready);
    const font = await page.evaluate(() => ({
      check: document.fonts.check('700 24px "Noto Sans SC"', '城市运行管理中心'),
      loaded: [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Noto Sans SC' && f.status === 'loaded')
        .length,
      used: getComputedStyle(document.querySelector('.header-title h1')!).fontFamily,
    }));
    expect(font.check).toBe(true);
    expect(font.loaded).toBeGreaterThan(0);
    expect(font.used.startsWith('"Noto Sans SC"')).toBe(true);
    // nothing from the internet: every request went to the gateway (or is inline data)
    const foreign = requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    const bytes = [...fontFiles.values()].reduce((a, b) => a + b, 0);
    console.log(`font slices fetched: ${fontFiles.size} files, ${bytes} bytes`);
    expect(fontFiles.size).toBeGreaterThan(0);
  });

  it('(a) the sensor feed stops: its widgets say feed silent, never 0, and the rest stays live', async () => {
    sensors.stop();
    // silent after a few of its usual intervals, at least 10 s (the gateway's SilenceWatch)
    await onWall(`${row(SENSORS)}[data-fresh="false"]`, 60_000);
    expect(await attr(row(SENSORS), 'data-stale-reason')).toContain('feed silent');
    const text = await page.innerText(row(SENSORS));
    expect(text).toContain('静默');
    expect(text).not.toMatch(/\b0(\.0)?\/s/);
    // the sensor readings figure: greyed, saying the feed is silent (and never a current 0)
    const figure = '[data-testid="kpi-sensor.reading"]';
    await onWall(`${figure}[data-stale="true"]`, 10_000);
    expect(await attr(figure, 'data-stale-reason')).toContain(`feed silent: events/${SENSORS}`);
    expect(await attr(figure, 'data-value')).not.toBe('0');
    expect(await attr('[data-testid="kpi-hotline.ticket"]', 'data-stale')).toBe('false');
    // the other feed and the wall as a whole are still current
    expect(await attr(row(HOTLINE), 'data-fresh')).toBe('true');
    expect(await attr('[data-testid=status]', 'data-state')).toBe('live');
  });

  it('(b) the gateway restarts under the open page: offline, then live again, without a reload', async () => {
    await page.evaluate(() => {
      (window as unknown as { __wallMarker: string }).__wallMarker = 'before-restart';
    });
    const snapshotsBefore = Number(await attr('[data-testid=status]', 'data-snapshots'));
    expect(snapshotsBefore).toBeGreaterThanOrEqual(1);
    await stopLauncher();
    await page.waitForSelector('[data-testid=status][data-state=offline]', { timeout: 30_000 });
    // every channel widget says why it is not current
    await onWall('[data-widget="alert-list"][data-fresh="false"]', 10_000);
    expect(await attr('[data-widget="alert-list"]', 'data-stale-reason')).toContain('gateway unreachable');
    expect(await attr('[data-testid=status]', 'data-link')).toMatch(/^(reconnecting|offline)$/);

    await startLauncher();
    await page.waitForSelector('[data-testid=status][data-state=live]', { timeout: 60_000 });
    await onWall(`${row(HOTLINE)}[data-fresh="true"]`, 60_000);
    expect(await attr('[data-testid=status]', 'data-link')).toBe('live');
    // a new snapshot replaced the state (the new gateway's seq starts again)
    expect(Number(await attr('[data-testid=status]', 'data-snapshots'))).toBeGreaterThan(snapshotsBefore);
    // no reload: the same document (marker kept, one navigation entry)
    expect(await page.evaluate(() => (window as unknown as { __wallMarker?: string }).__wallMarker)).toBe(
      'before-restart',
    );
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
