import type { Bus, ConsumedRecord } from '@cityops/bus';
import type { Store } from '@cityops/store';
import { StreamRunner, type Stage } from '@cityops/stream';
import { streamWatermark, WINDOW_M15_MS } from '@cityops/vitals';
import { eventTimeOf } from './event-time.js';

/** `starting` until the runner joined; `done` once every partition reached the period's end. */
export type ReplayPhase = 'starting' | 'running' | 'done' | 'failed' | 'stopped';

export interface ReplayStatus {
  id: string;
  /** the replay's own consumer group: the namespace of its offsets and counters in the store */
  group: string;
  phase: ReplayPhase;
  /** the period, in event time (ISO) */
  from: string;
  to: string;
  /** event-time ms per wall ms; null: as fast as it reads (`max`) */
  speed: number | null;
  /** where the current reading started (the period's start, or the last seek) */
  seekedTo: string;
  /** the furthest event time folded so far (what the wall shows as its "now"), or null before any */
  position: string | null;
  /** a paced replay's clock: the event time it lets through now (null at `max`) */
  clock: string | null;
  /** records of the current reading done / to do, and their ratio (0..1) */
  records: { done: number; total: number };
  progress: number;
  /** records folded per second over the last seconds */
  rate: number;
  /** records skipped because their event time is outside the period */
  outsidePeriod: number;
  error: string | null;
}

export interface ReplayRunOptions {
  id: string;
  group: string;
  bus: Bus;
  store: Store;
  topic: string;
  /**
   * The stages to replay for the replay's group, all over `topic`: the first is the vital-signs
   * stage (the aggregator's `aggregatorStage`, in the group itself); others (the themes stage) run
   * in groups of their own, derived from it. Each is a namespace of the replay, deleted with it.
   */
  stagesOf: (group: string) => Stage[];
  /** how late an event may land after its time: the reading goes on that long past `to` */
  allowedLatenessMs: number;
  from: number;
  to: number;
  /** Infinity: as fast as it reads */
  speed: number;
  log?: (msg: string) => void;
}

interface Reading {
  at: number;
  speed: number;
  /** one per stage, the vital-signs stage first */
  runners: StreamRunner[];
  abort: AbortController;
  start: Record<number, number>;
  stop: Record<number, number>;
  /** performance.now() when the clock started at `at`: the first record the reading got (null before) */
  anchor: number | null;
}

/**
 * One replay (复盘) of a past period `[from, to)` of `city.events.v1`: the vital-signs stage run on
 * the stream runtime in the replay's own group, so that its offsets, counters and dropped counts
 * are a namespace of their own in the store and nothing of the live group is read or written.
 *
 * A reading starts at the offsets appended at `max(from, at - 15 min)` (`startAtTime`: the wall's
 * window before `at` is filled at full speed) and ends, per partition, at the offset appended at
 * `to + allowedLatenessMs` (so that late events of the period are in), found when it starts.
 * Records whose event time is outside the period are not folded. A paced replay lets a record
 * through once its event time is behind the clock, which runs from `at` at `speed` × wall time
 * (the runner's `admit`). The stage's outgoing records (the aggregator's dead letters) are dropped:
 * a replay publishes nothing. A seek drops the namespace and starts a new reading from `at`.
 */
export class ReplayRun {
  readonly id: string;
  readonly group: string;
  /** every group the replay writes: the vital-signs stage's (`group`) and the other stages' */
  readonly groups: string[];
  private readonly opts: ReplayRunOptions;
  private phase: ReplayPhase = 'starting';
  private reading: Reading | undefined;
  private error: string | null = null;
  private outside = 0;
  private last: Omit<ReplayStatus, 'rate' | 'clock' | 'phase' | 'error' | 'outsidePeriod'> | undefined;
  private samples: Array<{ at: number; applied: number }> = [];
  private changing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** wall time (Date.now) of the last request or watcher: what the idle expiry looks at */
  lastActive = Date.now();

  constructor(options: ReplayRunOptions) {
    this.opts = options;
    this.id = options.id;
    this.group = options.group;
    this.groups = options.stagesOf(options.group).map((s) => s.group);
    if (this.groups[0] !== options.group)
      throw new Error(`the first stage of a replay must be in its group ${options.group}, not ${this.groups[0]}`);
  }

  get from(): number {
    return this.opts.from;
  }

  get to(): number {
    return this.opts.to;
  }

  get state(): ReplayPhase {
    return this.phase;
  }

  /** starts reading from the period's start */
  start(): Promise<void> {
    return this.seek(this.opts.from, this.opts.speed);
  }

  /**
   * Restarts the replay's namespace from event time `at` (within the period), optionally at another
   * speed: the running reading stops, the group's store keys are deleted, a new reading starts.
   * Seeks are serialised; the last one wins.
   */
  seek(at: number, speed = this.reading?.speed ?? this.opts.speed): Promise<void> {
    const next = this.changing.then(() => this.restart(at, speed));
    this.changing = next.catch(() => undefined);
    return next;
  }

  /** stops reading and deletes the namespace (the end of a replay: DELETE, or idle expiry) */
  async stop(): Promise<void> {
    const done = this.changing.then(async () => {
      clearInterval(this.timer);
      await this.endReading();
      this.phase = 'stopped';
      for (const g of this.groups) await this.opts.store.dropGroup(g);
    });
    this.changing = done.catch(() => undefined);
    await done;
  }

  /** where the replay stands: reads the group's progress from the store */
  async status(): Promise<ReplayStatus> {
    await this.refresh();
    const r = this.reading;
    const rate = this.rate();
    const base = this.last ?? {
      id: this.id,
      group: this.group,
      from: iso(this.opts.from),
      to: iso(this.opts.to),
      speed: finite(this.opts.speed),
      seekedTo: iso(r?.at ?? this.opts.from),
      position: null,
      records: { done: 0, total: 0 },
      progress: 0,
    };
    const clock =
      r && Number.isFinite(r.speed) && this.phase === 'running'
        ? iso(Math.min(r.anchor === null ? r.at : this.clock(r), this.opts.to))
        : null;
    return {
      ...base,
      phase: this.phase,
      clock,
      rate: this.phase === 'running' ? rate : 0,
      outsidePeriod: this.outside,
      error: this.error,
    };
  }

  private async restart(at: number, speed: number): Promise<void> {
    const { bus, store, topic, from, to } = this.opts;
    if (this.phase === 'stopped') throw new Error(`replay ${this.id} has ended`);
    clearInterval(this.timer);
    await this.endReading();
    this.phase = 'starting';
    this.error = null;
    this.outside = 0;
    this.last = undefined;
    this.samples = [];
    for (const g of this.groups) await store.dropGroup(g);
    const stages = this.opts.stagesOf(this.group);
    // the window before `at` each stage needs (its rebuild horizon without the lateness), at least the wall's 15 min
    const warmup = Math.max(WINDOW_M15_MS, ...stages.map((st) => st.rebuildHorizonMs - this.opts.allowedLatenessMs));
    const startAt = Math.max(from, at - warmup);
    const [start, stop] = await Promise.all([
      bus.offsetsForTime(topic, startAt),
      bus.offsetsForTime(topic, to + this.opts.allowedLatenessMs),
    ]);
    const abort = new AbortController();
    const reading: Reading = {
      at,
      speed,
      abort,
      start,
      stop,
      anchor: null,
      runners: stages.map(
        (stage) =>
          new StreamRunner({
            bus,
            store,
            stage: this.replayStage(stage),
            startAtTime: startAt,
            commitOffsets: false,
            admit: (_topic, partition, records) => this.admit(reading, partition, records, stage === stages[0]),
            ...(this.opts.log ? { log: this.opts.log } : {}),
          }),
      ),
    };
    this.reading = reading;
    try {
      for (const runner of reading.runners) await runner.start();
    } catch (err) {
      this.phase = 'failed';
      this.error = err instanceof Error ? err.message : String(err);
      throw err;
    }
    this.phase = 'running';
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), 250);
    this.timer.unref();
  }

  private async endReading(): Promise<void> {
    const r = this.reading;
    if (!r) return;
    r.abort.abort();
    for (const runner of r.runners) await runner.stop();
  }

  /** a stage folding only the period's records and publishing nothing */
  private replayStage(base: Stage): Stage {
    const { from, to } = this.opts;
    return {
      ...base,
      fold: (input) => {
        const records = input.records.filter((r) => {
          const t = eventTimeOf(r);
          return t === null || (t >= from && t < to);
        });
        const out = base.fold(records.length === input.records.length ? input : { ...input, records });
        return { ...out, outgoing: [] };
      },
    };
  }

  /** the runner's `admit`: the records before the period's end, and at a finite speed only those due */
  private async admit(
    r: Reading,
    partition: number,
    records: readonly ConsumedRecord[],
    counts = true,
  ): Promise<number> {
    if (r.abort.signal.aborted || this.reading !== r) return 0;
    const stop = r.stop[partition] ?? 0;
    let n = 0;
    while (n < records.length && records[n]!.offset < stop) n++;
    if (n === 0) return 0;
    const { from, to } = this.opts;
    const outside = (t: number | null) => t !== null && (t < from || t >= to);
    if (Number.isFinite(r.speed)) {
      for (;;) {
        const clock = this.clock(r);
        let k = 0;
        while (k < n) {
          const t = eventTimeOf(records[k]!);
          if (t !== null && !outside(t) && t > clock) break;
          k++;
        }
        if (k > 0) {
          n = k;
          break;
        }
        // not due yet: wait for the first (in slices, so that a seek or a stop cuts it short)
        const wait = (eventTimeOf(records[0]!)! - clock) / r.speed;
        await sleep(Math.min(Math.max(wait, 1), 200), r.abort.signal);
        if (r.abort.signal.aborted) return 0;
      }
    }
    if (counts) for (let i = 0; i < n; i++) if (outside(eventTimeOf(records[i]!))) this.outside++;
    return n;
  }

  private clock(r: Reading): number {
    // the clock starts with the first record the reading gets (on Kafka, joining the group takes a while)
    r.anchor ??= performance.now();
    return r.at + (performance.now() - r.anchor) * r.speed;
  }

  /** reads the group's progress: position, records done, and whether every partition reached its end */
  private async refresh(): Promise<void> {
    const r = this.reading;
    if (!r || this.phase === 'stopped') return;
    const { store, topic } = this.opts;
    const all = await Promise.all(this.groups.map((g) => store.readProgress(g)));
    const progress = all[0]!;
    // records done: the vital-signs stage's; finished: every stage reached the end of every partition
    let done = 0;
    let total = 0;
    let finished = true;
    for (const [p, stop] of Object.entries(r.stop)) {
      const start = Math.min(r.start[Number(p)] ?? 0, stop);
      const next = progress[`${topic}:${p}`]?.nextOffset ?? start;
      total += stop - start;
      done += Math.min(Math.max(next - start, 0), stop - start);
      for (const g of all) if ((g[`${topic}:${p}`]?.nextOffset ?? start) < stop) finished = false;
    }
    const wm = streamWatermark({ progress });
    this.last = {
      id: this.id,
      group: this.group,
      from: iso(this.opts.from),
      to: iso(this.opts.to),
      speed: finite(r.speed),
      seekedTo: iso(r.at),
      position: wm === null ? null : iso(Math.min(wm, this.opts.to)),
      records: { done, total },
      progress: total === 0 ? 1 : done / total,
    };
    const main = r.runners[0]!;
    this.samples.push({ at: performance.now(), applied: main.stats.applied });
    if (this.samples.length > 12) this.samples.shift();
    const failing = r.runners.find((x) => x.stats.lastError)?.stats.lastError;
    if (failing) this.error = `${failing.code}: ${failing.message}`;
    if (finished && this.phase === 'running' && this.reading === r) {
      // the period is read: the reading stops, the namespace stays for the wall until the replay ends
      this.phase = 'done';
      clearInterval(this.timer);
      const end = this.changing.then(() => (this.reading === r ? this.endReading() : undefined));
      this.changing = end.catch(() => undefined);
    }
  }

  private rate(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at <= first.at) return 0;
    return Math.round(((last.applied - first.applied) * 1000) / (last.at - first.at));
  }
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function finite(speed: number): number | null {
  return Number.isFinite(speed) ? speed : null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
