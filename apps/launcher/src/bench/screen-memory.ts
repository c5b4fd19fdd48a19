/**
 * `npm run bench:screen-memory`: the big screen's JS heap over time in headless Chromium, against
 * the embedded app with the simulator on. Every 30 s the page is garbage-collected and its used
 * heap read; the figure is the last reading against the first (the reference, taken once the
 * screen is live and drawn), as a ratio, plus the slope. BENCH_MINUTES sets the length (default 5).
 */
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '@cityops/testkit';
import { startApp } from '../e2e/start-app.js';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 5);
const app = await startApp({
  PORT: '0',
  SIMULATOR: 'on',
  SIM_RATE: '1000',
  KAFKA_BROKERS: '',
  REDIS_URL: '',
  LOG_LEVEL: 'warn',
});
const browser = await chromium.launch(chromiumLaunchOptions(['--js-flags=--expose-gc']));
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
await page.goto(`${app.url}?token=${app.screenToken}`);
await page.waitForSelector('[data-testid=status][data-state=live]', { timeout: 30_000 });
await page.waitForTimeout(10_000);
const heap = () =>
  page.evaluate(() => {
    (globalThis as unknown as { gc: () => void }).gc();
    return (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize;
  });
const readings: Array<[number, number]> = [];
const start = Date.now();
for (;;) {
  readings.push([(Date.now() - start) / 60_000, await heap()]);
  const [min, bytes] = readings.at(-1)!;
  console.log(`${min.toFixed(1)} min  ${(bytes / 2 ** 20).toFixed(1)} MB`);
  if (Date.now() - start >= MINUTES * 60_000) break;
  await page.waitForTimeout(30_000);
}
const seq = await page.evaluate(
  () =>
    (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText.match(
      /(\d+) \/ (\d+)/,
    )?.[0] ?? '?',
);
const first = readings[0]![1];
const last = readings.at(-1)![1];
const n = readings.length;
const mx = readings.reduce((s, r) => s + r[0], 0) / n;
const my = readings.reduce((s, r) => s + r[1], 0) / n;
const slope =
  readings.reduce((s, r) => s + (r[0] - mx) * (r[1] - my), 0) / readings.reduce((s, r) => s + (r[0] - mx) ** 2, 0);
console.log(
  `reference  heap once live ${(first / 2 ** 20).toFixed(1)} MB\nours       after ${MINUTES} min ${(last / 2 ** 20).toFixed(1)} MB  ratio ${(last / first).toFixed(2)}  slope ${(slope / 1024).toFixed(0)} KB/min  (seq/resyncs ${seq})`,
);
await browser.close();
await app.stop();
process.exit(0);
