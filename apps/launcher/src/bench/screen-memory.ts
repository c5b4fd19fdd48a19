/**
 * `node dist/bench/screen-memory.js [--hours H | --minutes M] [--rate R] [--every S] [--sample S]
 * [--scenes a,b]` (or `BENCH_HOURS=4 BENCH_RATE=10000 npm run bench:screen-memory`: each flag also
 * reads BENCH_<NAME>, and npm's npm_config_<name> when given as `npm run … -- --hours 4`): does the
 * big screen run for days? The embedded app with the simulator at R events/s (default
 * 1,000; `--hours 4 --rate 10000` for the real figure), the wall in headless Chromium rotating
 * its scenes (every S seconds, default 20, so chart mounts and unmounts are exercised as on a
 * real playlist), and every `--sample` seconds (default one rotation; each reading waits for the
 * playlist's first scene, so like is compared with like) the page garbage-collected and read
 * through the DevTools protocol: JS heap used, DOM nodes, event listeners, documents, canvases.
 * The reference is the first reading (taken once the screen is live and has rotated once); the
 * figure is the least-squares slope of the heap over the run, in KB per hour, and the last
 * reading against the reference as a ratio. Default length: 5 minutes (a smoke run).
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '@cityops/testkit';
import { startApp } from '../e2e/start-app.js';

const { values: args } = parseArgs({
  options: {
    hours: { type: 'string' },
    minutes: { type: 'string' },
    rate: { type: 'string' },
    every: { type: 'string' },
    sample: { type: 'string' },
    scenes: { type: 'string' },
  },
  strict: true,
});
/** a flag, else BENCH_<NAME>, else npm_config_<name> (npm turns unknown `--name v` into that) */
const opt = (name: keyof typeof args): string | undefined =>
  args[name] ?? process.env[`BENCH_${name.toUpperCase()}`] ?? process.env[`npm_config_${name}`];

function num(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    console.error(`E_BENCH_ARGS: --${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return v;
}

const minutes =
  opt('hours') !== undefined
    ? num('hours', opt('hours'), 0, 0.01, 72) * 60
    : num('minutes', opt('minutes'), 5, 0.5, 72 * 60);
const rate = Math.round(num('rate', opt('rate'), 1_000, 1, 100_000));
const everyS = num('every', opt('every'), 20, 10, 3_600);
const scenes = opt('scenes') ?? 'overview,hotline,logistics,sensors,cases';
// default: one reading per rotation of the playlist
const sampleS = num('sample', opt('sample'), everyS * scenes.split(',').length, 5, 3_600);
if (!/^[a-z,]{1,200}$/.test(scenes)) {
  console.error('E_BENCH_ARGS: --scenes is a comma-separated list of scene names');
  process.exit(2);
}

const app = await startApp({
  PORT: '0',
  SIMULATOR: 'on',
  SIM_RATE: String(rate),
  KAFKA_BROKERS: '',
  REDIS_URL: '',
  LOG_LEVEL: 'warn',
});
const browser = await chromium.launch(chromiumLaunchOptions(['--js-flags=--expose-gc']));
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const errors: string[] = [];
page.on('pageerror', (e) => errors.push(e.message));
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
await page.goto(`${app.url}?token=${app.screenToken}&scenes=${scenes}&every=${everyS}s`, {
  timeout: 300_000,
  waitUntil: 'domcontentloaded',
});
await page.waitForSelector('[data-testid=status][data-state=live]', { timeout: 300_000 });
// one full rotation before the reference, so every scene's code and charts have been created once
await page.waitForTimeout(Math.min(everyS * 1_000 * scenes.split(',').length, 5 * 60_000));

interface Reading {
  min: number;
  heap: number;
  nodes: number;
  listeners: number;
  documents: number;
  canvases: number;
  m1: number | null;
  state: string;
}

const firstScene = scenes.split(',')[0]!;
const rotationMs = everyS * 1_000 * scenes.split(',').length;

async function read(start: number): Promise<Reading> {
  // phase-locked: every reading on the same scene (the first of the playlist), so the DOM compared is alike
  // a locator, not waitForSelector: the ElementHandle that returns would keep each old scene's
  // detached DOM alive in the page (it did: +526 nodes a reading, the bench's own leak)
  await page
    .locator(`main[data-scene="${firstScene}"]`)
    .waitFor({ state: 'attached', timeout: rotationMs + 5_000 })
    .catch(() => undefined);
  await page.evaluate(() => (globalThis as unknown as { gc: () => void }).gc());
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const m = (name: string) => metrics.find((x) => x.name === name)?.value ?? NaN;
  // the launcher has no DOM types: the page's document through a structural shape
  const page_ = await page.evaluate(() => {
    type El = { getAttribute(n: string): string | null };
    const doc = (
      globalThis as unknown as {
        document: { querySelectorAll(s: string): { length: number }; querySelector(s: string): El | null };
      }
    ).document;
    return {
      canvases: doc.querySelectorAll('canvas').length,
      m1: doc.querySelector('[data-testid=kpi-total-m1]')?.getAttribute('data-value') ?? '',
      state: doc.querySelector('[data-testid=status]')?.getAttribute('data-state') ?? '?',
    };
  });
  return {
    min: (Date.now() - start) / 60_000,
    heap: m('JSHeapUsedSize'),
    nodes: m('Nodes'),
    listeners: m('JSEventListeners'),
    documents: m('Documents'),
    canvases: page_.canvases,
    m1: page_.m1 === '' ? null : Number(page_.m1),
    state: page_.state,
  };
}

const MB = 2 ** 20;
const slopePerMin = (rs: Reading[], f: (r: Reading) => number): number => {
  const n = rs.length;
  if (n < 2) return 0;
  const mx = rs.reduce((s, r) => s + r.min, 0) / n;
  const my = rs.reduce((s, r) => s + f(r), 0) / n;
  const den = rs.reduce((s, r) => s + (r.min - mx) ** 2, 0);
  return den === 0 ? 0 : rs.reduce((s, r) => s + (r.min - mx) * (f(r) - my), 0) / den;
};

console.log(
  `screen memory: ${minutes.toFixed(1)} min at ${rate} events/s (simulator, embedded), scenes ${scenes} every ${everyS}s`,
);
console.log('  min   heap MB   nodes  listeners  docs  canvases  events/1min  status');
const readings: Reading[] = [];
const start = Date.now();
for (;;) {
  const r = await read(start);
  readings.push(r);
  console.log(
    `${r.min.toFixed(1).padStart(5)}  ${(r.heap / MB).toFixed(1).padStart(8)}  ${String(r.nodes).padStart(6)}  ${String(
      r.listeners,
    ).padStart(9)}  ${String(r.documents).padStart(4)}  ${String(r.canvases).padStart(8)}  ${String(
      r.m1 ?? '—',
    ).padStart(11)}  ${r.state}`,
  );
  if (Date.now() - start >= minutes * 60_000) break;
  await page.waitForTimeout(Math.min(sampleS * 1_000, Math.max(1_000, minutes * 60_000 - (Date.now() - start))));
}
const first = readings[0]!;
const last = readings.at(-1)!;
// the second half alone: start-up growth (caches, JIT) settles early; a leak keeps growing
const half = readings.filter((r) => r.min >= last.min / 2);
const heapSlope = slopePerMin(readings, (r) => r.heap);
const heapSlopeLate = slopePerMin(half, (r) => r.heap);
const nodeSlope = slopePerMin(readings, (r) => r.nodes);
const listenerSlope = slopePerMin(readings, (r) => r.listeners);
console.log(
  [
    `reference  heap once live and rotated once ${(first.heap / MB).toFixed(1)} MB, ${first.nodes} nodes, ${first.listeners} listeners`,
    `ours       after ${last.min.toFixed(1)} min ${(last.heap / MB).toFixed(1)} MB (ratio ${(last.heap / first.heap).toFixed(2)}), ${last.nodes} nodes, ${last.listeners} listeners`,
    `slope      heap ${((heapSlope * 60) / 1024).toFixed(0)} KB/h over the run, ${((heapSlopeLate * 60) / 1024).toFixed(0)} KB/h over its second half; nodes ${(nodeSlope * 60).toFixed(1)}/h; listeners ${(listenerSlope * 60).toFixed(1)}/h`,
    `page errors ${errors.length}${errors.length ? `: ${errors.slice(0, 3).join(' | ')}` : ''}`,
  ].join('\n'),
);
await browser.close();
await app.stop();
process.exit(0);
