import type { CityEventInput } from '@cityops/schema';
import { createRng } from './prng.js';

/** Where events can happen: the centres of grid cells, with their district for weighting. */
export interface SimPlace {
  lon: number;
  lat: number;
  districtId: string;
}

export interface LiveSimulatorOptions {
  places: SimPlace[];
  /** hands a batch of canonical events to ingest; rejections are counted by ingest itself */
  sink: (events: CityEventInput[]) => Promise<void>;
  seed: number;
  /** events per second of wall time */
  rate: number;
  /** how often a batch is emitted */
  tickMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export interface LiveSimulator {
  stop(): Promise<void>;
  readonly emitted: number;
}

/**
 * The walking skeleton's simulator: a steady, seeded stream of sensor readings, 12345 tickets
 * and delivery-vehicle stops across the city, with intensity that follows the time of day.
 */
export function startLiveSimulator(opts: LiveSimulatorOptions): LiveSimulator {
  const rng = createRng(opts.seed);
  const now = opts.now ?? Date.now;
  const tickMs = opts.tickMs ?? 200;
  let emitted = 0;
  let seq = 0;
  let carry = 0;
  let running = true;
  let pending: Promise<void> = Promise.resolve();
  const runId = now().toString(36);

  const makeEvent = (t: number): CityEventInput => {
    const place = opts.places[Math.floor(rng() * opts.places.length)]!;
    const location = { lon: place.lon + (rng() - 0.5) * 0.002, lat: place.lat + (rng() - 0.5) * 0.002 };
    const id = `${runId}-${++seq}`;
    const eventTime = new Date(t - Math.floor(rng() * 2000)).toISOString();
    const r = rng();
    if (r < 0.55) {
      return {
        v: 1, id, source: 'sim.sensors', type: 'sensor.reading', eventTime, location,
        category: { kind: 'part', code: 'P.01.01' },
        payload: { sensorId: `s-${Math.floor(rng() * 5000)}`, kind: 'noise', value: Math.round(45 + rng() * 30), unit: 'dB', status: 'ok' },
      };
    }
    if (r < 0.85) {
      return {
        v: 1, id, source: 'sim.logistics', type: 'delivery.vehicle', eventTime, location,
        category: { kind: 'event', code: 'E.06.02' },
        payload: { vehicleId: `v-${Math.floor(rng() * 800)}`, company: ['SF', 'ZTO', 'YTO', 'JD'][Math.floor(rng() * 4)]!, state: rng() < 0.6 ? 'moving' : 'unloading', speedKmh: Math.round(rng() * 40) },
      };
    }
    return {
      v: 1, id, source: 'hotline-12345', type: 'hotline.ticket', eventTime, location,
      category: { kind: 'event', code: 'E.01.01' },
      payload: { ticketId: `T${id}`, stage: 'received', channel: 'phone' },
    };
  };

  const timer = setInterval(() => {
    if (!running) return;
    const t = now();
    const hour = new Date(t).getHours() + new Date(t).getMinutes() / 60;
    // busier by day, peaks at the morning and evening rush
    const diurnal = 0.35 + 0.65 * Math.max(Math.exp(-((hour - 8.5) ** 2) / 4), Math.exp(-((hour - 18) ** 2) / 4), 0.5 * Math.sin((Math.PI * (hour - 6)) / 16));
    carry += (opts.rate * diurnal * tickMs) / 1000;
    const n = Math.floor(carry);
    carry -= n;
    if (n === 0) return;
    const events = Array.from({ length: n }, () => makeEvent(t));
    emitted += n;
    pending = pending.then(() => opts.sink(events)).catch((err: unknown) => opts.onError?.(err));
  }, tickMs);
  timer.unref();

  return {
    get emitted() {
      return emitted;
    },
    async stop() {
      running = false;
      clearInterval(timer);
      await pending;
    },
  };
}
