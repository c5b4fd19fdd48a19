/**
 * `npm run bench:screens`: one gateway fanning the vitals channel out to many screens.
 * Starts the app in embedded mode with the simulator on, connects BENCH_SCREENS socket.io
 * screens (websocket, as a browser would), and for every delta measures how long after the
 * first screen the last one had it (the fan-out spread), and whether every screen saw every
 * seq without a gap. Reported next to the same run with 10 screens, as a ratio.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { startApp } from '../e2e/start-app.js';

const SCREENS = Number(process.env.BENCH_SCREENS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function measure(n: number) {
  const app = await startApp({
    PORT: '0',
    SIMULATOR: 'on',
    SIM_RATE: '500',
    KAFKA_BROKERS: '',
    REDIS_URL: '',
    LOG_LEVEL: 'warn',
    // every screen of this bench connects from 127.0.0.1: no per-address cap
    MAX_SCREENS_PER_ADDRESS: '0',
    MAX_CONNECTIONS_PER_ADDRESS: '0',
  });
  const arrivals = new Map<number, number[]>();
  const gaps = { count: 0 };
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = io(app.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: app.screenToken },
    });
    let last = -1;
    s.on('snapshot', (m: { seq: number }) => (last = m.seq));
    s.on('delta', (d: { seq: number }) => {
      if (last >= 0 && d.seq !== last + 1) gaps.count++;
      last = d.seq;
      const list = arrivals.get(d.seq) ?? [];
      list.push(performance.now());
      arrivals.set(d.seq, list);
    });
    sockets.push(s);
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const from = Math.max(0, ...arrivals.keys()) + 1;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const spreads: number[] = [];
  let complete = 0;
  let deltas = 0;
  for (const [seq, times] of arrivals) {
    if (seq < from) continue;
    deltas++;
    if (times.length === n) complete++;
    spreads.push(Math.max(...times) - Math.min(...times));
  }
  const connected = sockets.filter((s) => s.connected).length;
  for (const s of sockets) s.close();
  await app.stop();
  return { connected, deltas, complete, gaps: gaps.count, p50: pct(spreads, 50), p99: pct(spreads, 99) };
}

const line = (label: string, r: Awaited<ReturnType<typeof measure>>) =>
  `${label} connected ${r.connected}, ${r.deltas} deltas, ${r.complete} reached every screen, ${r.gaps} gaps, fan-out spread p50 ${r.p50.toFixed(0)} ms p99 ${r.p99.toFixed(0)} ms`;
const ref = await measure(10);
console.log(line('reference  10 screens  ', ref));
const ours = await measure(SCREENS);
console.log(
  line(`ours       ${SCREENS} screens`, ours) + `  p99 ratio ${(ours.p99 / Math.max(1, ref.p99)).toFixed(1)}`,
);
process.exit(0);
