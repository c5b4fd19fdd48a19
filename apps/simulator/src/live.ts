import type { CityIndex, CityPack } from '@cityops/city';
import type { CityEventInput } from '@cityops/schema';
import { DAY } from './engine/clock.js';
import { Scenario } from './engine/scenario.js';
import type { GroundTruthRecord } from './engine/truth.js';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import { FEED_MODES, parseScenarioOptions, type FeedMode } from './options.js';

/**
 * SIM_FEEDS (`realistic`, the default, or `clean`): read here because the config package is not
 * the simulator's to change. A bad value stops with the variable named.
 */
export function liveFeeds(env: Record<string, string | undefined>): FeedMode {
  const v = env.SIM_FEEDS?.trim();
  if (v === undefined || v === '') return 'realistic';
  if ((FEED_MODES as readonly string[]).includes(v)) return v as FeedMode;
  throw new CityopsError(
    ErrorCodes.CFG_INVALID,
    `SIM_FEEDS: must be realistic or clean, got ${JSON.stringify(v.slice(0, 40))}`,
  );
}

export interface LiveSimulatorOptions {
  city: { pack: CityPack; index: CityIndex };
  /** hands a batch of canonical events to ingest; rejections are counted by ingest itself */
  sink: (events: CityEventInput[]) => Promise<void>;
  seed: number;
  /** wall-clock events per second at the busiest hour (SIM_RATE); the fleet is sized to match */
  rate: number;
  /** wall-clock minutes per simulated day (default 1440: real time) */
  dayMinutes?: number;
  /** injected incidents per wall-clock hour (default 6) */
  incidentsPerHour?: number;
  /** how the feeds look (default: SIM_FEEDS from the environment, else realistic) */
  feeds?: FeedMode;
  tickMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
  onIncident?: (record: GroundTruthRecord) => void;
}

export interface LiveSimulator {
  stop(): Promise<void>;
  readonly emitted: number;
  /** the simulated time now (epoch ms); at real time it equals the wall clock */
  readonly simTime: number;
  /** how the fleet was sized from the rate */
  readonly knobs: LiveKnobs;
}

export interface LiveKnobs {
  sensors: number;
  vehicles: number;
  ticketsPerHour: number;
  speed: number;
}

/** Typical events per second of one sensor, one working van, and per ticket, measured on the default pack. */
const PER_SENSOR = 0.0089;
const PER_VEHICLE_AT_PEAK = 0.006;
const EVENTS_PER_TICKET = 5;

/**
 * Sizes the city so that its busiest hour produces about `rate` events per wall second at `speed`
 * simulated seconds per wall second: a realistic 12345 load (at most 3,000 tickets an hour), up to
 * 5,000 vans, and sensors for the rest.
 */
export function liveKnobs(rate: number, speed: number): LiveKnobs {
  const perSimSecond = rate / speed;
  const ticketsPerHour = Math.max(
    20,
    Math.min(3000, Math.round((0.1 * perSimSecond * 3600) / EVENTS_PER_TICKET / 1.6)),
  );
  const vehicles = Math.max(20, Math.min(5000, Math.round((0.3 * perSimSecond) / PER_VEHICLE_AT_PEAK)));
  const rest = perSimSecond - (ticketsPerHour * 1.6 * EVENTS_PER_TICKET) / 3600 - vehicles * PER_VEHICLE_AT_PEAK;
  const sensors = Math.max(50, Math.min(200_000, Math.round(rest / PER_SENSOR)));
  return { sensors, vehicles, ticketsPerHour, speed };
}

/**
 * Live mode: runs the scenario engine against the wall clock and hands batches to ingest.
 *
 * Time mapping. The simulated clock starts at the wall clock's now and runs `speed` = 1440 /
 * dayMinutes times faster. The simulated time drives the city's rhythm (rush hours, delivery peaks,
 * calls by hour, in Shanghai local time); the envelope's eventTime is the wall-clock moment the
 * event is emitted (simulated time mapped back: start + (sim - start) / speed). So ingest never
 * sees future times and the aggregator's event-time windows fill at the wall-clock pace, while the
 * city on the screen lives through a day in `dayMinutes`. At real time (the default) both clocks agree.
 * Durations in event time are the simulated durations divided by `speed`.
 */
export function startLiveSimulator(opts: LiveSimulatorOptions): LiveSimulator {
  const now = opts.now ?? Date.now;
  const tickMs = opts.tickMs ?? 250;
  const speed = DAY / 60_000 / (opts.dayMinutes ?? 1440);
  const knobs = liveKnobs(opts.rate, speed);
  const wall0 = now();
  const sim0 = wall0;
  const options = parseScenarioOptions(
    {
      seed: opts.seed,
      sensors: knobs.sensors,
      vehicles: knobs.vehicles,
      ticketsPerHour: knobs.ticketsPerHour,
      incidentsPerHour: Math.min(120, (opts.incidentsPerHour ?? 6) / speed),
      maxEventsPerSecond: Math.max(1, (opts.rate * 1.5) / speed),
      feeds: opts.feeds ?? liveFeeds(process.env),
    },
    (k) => (k === 'feeds' ? 'SIM_FEEDS' : `live ${k}`),
  );
  const scenario = new Scenario(opts.city.pack, opts.city.index, options, {
    startMs: sim0,
    endMs: Infinity,
    idPrefix: `L${wall0.toString(36)}`,
    eventTimeOf: (t) => new Date(Math.floor(wall0 + (t - sim0) / speed)).toISOString(),
    capPerSimSecond: options.maxEventsPerSecond,
    retainTruth: false,
    ...(opts.onIncident ? { onIncident: opts.onIncident } : {}),
  });

  let emitted = 0;
  let inflight = 0;
  let running = true;
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // if ingest falls behind, let the engine wait rather than pile up batches in memory
    if (!running || inflight > 20) return;
    const batch: CityEventInput[] = [];
    scenario.runUntil(sim0 + (now() - wall0) * speed, (e) => batch.push(e));
    if (batch.length === 0) return;
    emitted += batch.length;
    inflight++;
    pending = pending
      .then(() => opts.sink(batch))
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        inflight--;
      });
  }, tickMs);
  timer.unref();

  return {
    get emitted() {
      return emitted;
    },
    get simTime() {
      return scenario.time;
    },
    knobs,
    async stop() {
      running = false;
      clearInterval(timer);
      await pending;
    },
  };
}
