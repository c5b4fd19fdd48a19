import type { CityIndex, CityPack } from '@cityops/city';
import type { CityEventInput } from '@cityops/schema';
import { DEFAULT_DECOYS_PER_HOUR, type ScenarioOptions } from '../options.js';
import { Rng } from '../prng.js';
import { DeliveryFleet } from './delivery.js';
import { Emitter, type EmitCounts } from './emit.js';
import { Hotline, type HotlineTally } from './hotline.js';
import { scheduleIncidents } from './incidents/index.js';
import { Agenda } from './queue.js';
import { SensorFleet } from './sensors.js';
import { TruthBook, type DecoyRecord, type GroundTruthRecord } from './truth.js';
import { scheduleDecoys } from './decoys.js';
import { GpsTracker } from './gps.js';
import { World } from './world.js';

export interface ScenarioRun {
  /** simulated start and end, epoch ms; live mode passes Infinity as the end */
  startMs: number;
  endMs: number;
  /** prefix of every event, ticket and incident id: distinct per run where ids must not collide */
  idPrefix: string;
  /** the envelope's eventTime for simulated time t (offline: t itself; live: the wall-clock time) */
  eventTimeOf?: (t: number) => string;
  /** routine sensor readings allowed per simulated second (default: options.maxEventsPerSecond) */
  capPerSimSecond?: number;
  /** keep ground truth records with their event ids (offline); live mode only announces */
  retainTruth?: boolean;
  onIncident?: (record: GroundTruthRecord) => void;
}

/**
 * One deterministic simulated city: sensors, the 12345 hotline, delivery fleets and injected
 * incidents over a city pack. It owns no clock: the caller advances it with `runUntil`, and every
 * event comes out in event-time order. Same pack + options + run → the same events, byte for byte.
 *
 * @example
 * const sim = createScenario(pack, index, parseScenarioOptions({ seed: 7, hours: 1 }), run);
 * sim.runUntil(sim.endMs, (e) => out.write(JSON.stringify(e) + '\n'));
 */
export class Scenario {
  readonly world: World;
  readonly startMs: number;
  readonly endMs: number;
  private readonly agenda = new Agenda();
  private readonly emitter: Emitter;
  private readonly truth: TruthBook;
  private readonly hotline: Hotline;
  private sink: (event: CityEventInput) => void = () => undefined;
  private now: number;

  constructor(
    pack: CityPack,
    index: CityIndex,
    readonly options: ScenarioOptions,
    run: ScenarioRun,
  ) {
    this.world = new World(pack, index);
    this.startMs = run.startMs;
    this.endMs = run.endMs;
    this.now = run.startMs;
    this.truth = new TruthBook(run.retainTruth ?? true, run.onIncident);
    const eventTimeOf = run.eventTimeOf ?? ((t: number) => new Date(t).toISOString());
    this.emitter = new Emitter({
      idPrefix: run.idPrefix,
      eventTimeOf,
      capPerSimSecond: run.capPerSimSecond ?? options.maxEventsPerSecond,
      truth: this.truth,
      sink: (e) => this.sink(e),
    });
    const seed = options.seed;
    const realistic = options.feeds === 'realistic';
    const sensors = new SensorFleet(this.world, Rng.forPart(seed, 'sensors'), this.emitter, options.sensors, realistic);
    const hotline = new Hotline(
      this.world,
      Rng.forPart(seed, 'hotline'),
      this.emitter,
      options.ticketsPerHour,
      run.idPrefix,
    );
    const gps = realistic ? new GpsTracker(this.world, Rng.forPart(seed, 'gps')) : undefined;
    const delivery = new DeliveryFleet(this.world, Rng.forPart(seed, 'delivery'), this.emitter, options.vehicles, gps);
    sensors.start(this.agenda, run.startMs);
    hotline.start(this.agenda, run.startMs);
    this.hotline = hotline;
    delivery.start(this.agenda, run.startMs);
    const ctx = {
      world: this.world,
      agenda: this.agenda,
      sensors,
      hotline,
      delivery,
      truth: this.truth,
      endMs: run.endMs,
      eventTimeOf,
      realistic,
    };
    scheduleIncidents(
      { ...ctx, rng: Rng.forPart(seed, 'incidents') },
      options.incidentTypes,
      options.incidentsPerHour,
      run.startMs,
    );
    scheduleDecoys(
      { ...ctx, rng: Rng.forPart(seed, 'decoys') },
      options.decoysPerHour ?? DEFAULT_DECOYS_PER_HOUR[options.feeds],
      run.startMs,
    );
  }

  /** Simulated time up to which events have been produced. */
  get time(): number {
    return this.now;
  }

  /**
   * Produces every event with simulated time before `untilMs` (and before the end), in order,
   * handing each to `sink`. Returns how many were produced.
   */
  runUntil(untilMs: number, sink: (event: CityEventInput) => void): number {
    const stop = Math.min(untilMs, this.endMs);
    const before = this.emitter.counts.total;
    this.sink = sink;
    while (this.agenda.peekTime() < stop) {
      const task = this.agenda.pop()!;
      task.run(task.t);
    }
    this.now = Math.max(this.now, stop);
    this.sink = () => undefined;
    return this.emitter.counts.total - before;
  }

  get done(): boolean {
    return this.now >= this.endMs;
  }

  groundTruth(): GroundTruthRecord[] {
    return this.truth.all();
  }

  /** The confounders recorded so far (offline): situations that must not raise an alert. */
  decoys(): DecoyRecord[] {
    return this.truth.decoys();
  }

  counts(): EmitCounts {
    return this.emitter.counts;
  }

  /** the simulator's own tally of the 接诉即办 figures of what it emitted so far (HotlineTally) */
  hotlineTally(): HotlineTally {
    return { ...this.hotline.tally };
  }
}
