import { randomBytes } from 'node:crypto';
import type { Bus } from '@cityops/bus';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import type { Store } from '@cityops/store';
import type { Stage } from '@cityops/stream';
import { VitalsChannel, type Emitter, type ThemesSource } from '../vitals-channel.js';
import { ReplayRun, type ReplayStatus } from './replay-run.js';

export interface ReplaySettings {
  /** REPLAY_MAX_CONCURRENT: replays at once (0: none) */
  maxConcurrent: number;
  /** REPLAY_IDLE_TIMEOUT_MS: a replay nobody watched or asked about for this long ends */
  idleTimeoutMs: number;
  /** REPLAY_MAX_PERIOD_MS: the longest period */
  maxPeriodMs: number;
}

export interface ReplaysOptions {
  bus: Bus;
  store: Store;
  topic: string;
  /** the stages a replay runs for its group: the vital-signs stage first (see `ReplayRunOptions.stagesOf`) */
  stagesOf: (group: string) => Stage[];
  /** the themes of a replay's vitals channel, read from its groups (the live channel's `themesSourceFor`) */
  themesOf?: (group: string) => ThemesSource;
  allowedLatenessMs: number;
  settings: ReplaySettings;
  /** where a replay's vitals channel sends its snapshot and deltas (the replay's socket.io room) */
  emitterFor: (id: string) => Emitter;
  /** how many screens watch a replay now (a watched replay is never idle) */
  watchers: (id: string) => number;
  /** the vitals channels' poll interval (DELTA_INTERVAL_MS) */
  intervalMs: number;
  /** the prefix of the replays' groups (default `cityops.replay`): group `<prefix>.<id>` */
  groupPrefix?: string;
  now?: () => number;
  log?: (msg: string) => void;
}

export const MIN_SPEED = 1;
export const MAX_SPEED = 10_000;

export interface ReplayRequest {
  from: number;
  to: number;
  /** Infinity: `max` */
  speed: number;
}

interface Entry {
  run: ReplayRun;
  vitals: VitalsChannel;
}

/**
 * The gateway's replays (复盘): at most `maxConcurrent` at once, each a `ReplayRun` in its own group
 * `cityops.replay.<id>` with its own vitals channel (the live channel's class, on the replay's
 * group and room). A replay ends on DELETE or after `idleTimeoutMs` without a request or a
 * watching screen; its namespace is deleted from the store then.
 */
export class Replays {
  private readonly opts: ReplaysOptions;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  /** replays ended because nobody watched them */
  expired = 0;

  constructor(options: ReplaysOptions) {
    this.opts = options;
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(
      () => void this.sweep().catch(() => undefined),
      Math.min(5_000, options.settings.idleTimeoutMs / 4),
    );
    this.sweeper.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /** starts a replay; throws E_REPLAY_TOO_MANY or E_REPLAY_BAD_PERIOD */
  async create(req: ReplayRequest): Promise<ReplayRun> {
    const { settings } = this.opts;
    this.checkPeriod(req.from, req.to);
    if (this.entries.size >= settings.maxConcurrent)
      throw new CityopsError(
        ErrorCodes.REPLAY_TOO_MANY,
        `${this.entries.size} replays run already (REPLAY_MAX_CONCURRENT=${settings.maxConcurrent}); stop one or wait until one ends`,
      );
    const id = randomBytes(6).toString('hex');
    const group = `${this.opts.groupPrefix ?? 'cityops.replay'}.${id}`;
    const run = new ReplayRun({
      id,
      group,
      bus: this.opts.bus,
      store: this.opts.store,
      topic: this.opts.topic,
      stagesOf: this.opts.stagesOf,
      allowedLatenessMs: this.opts.allowedLatenessMs,
      from: req.from,
      to: req.to,
      speed: req.speed,
      ...(this.opts.log ? { log: this.opts.log } : {}),
    });
    const vitals = new VitalsChannel(
      this.opts.store,
      group,
      this.opts.emitterFor(id),
      this.opts.intervalMs,
      this.opts.themesOf?.(group),
    );
    this.entries.set(id, { run, vitals });
    run.lastActive = this.now();
    try {
      await run.start();
      await vitals.start();
    } catch (err) {
      await this.delete(id).catch(() => undefined);
      throw err;
    }
    this.opts.log?.(
      `replay ${id}: ${new Date(req.from).toISOString()} → ${new Date(req.to).toISOString()} at ${req.speed}×`,
    );
    return run;
  }

  /** the replay, marked active; throws E_REPLAY_NOT_FOUND */
  get(id: string): ReplayRun {
    const entry = this.entries.get(id);
    if (!entry) throw new CityopsError(ErrorCodes.REPLAY_NOT_FOUND, `no replay ${id} (it ended, expired or never was)`);
    entry.run.lastActive = this.now();
    return entry.run;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  status(id: string): Promise<ReplayStatus> {
    return this.get(id).status();
  }

  /** the replay's vitals channel (for a screen that opens it) */
  vitals(id: string): VitalsChannel {
    this.get(id);
    return this.entries.get(id)!.vitals;
  }

  /** restarts the replay's namespace from `at` (within its period), optionally at another speed */
  async seek(id: string, at: number, speed?: number): Promise<ReplayRun> {
    const run = this.get(id);
    if (!(at >= run.from && at < run.to))
      throw new CityopsError(
        ErrorCodes.REPLAY_BAD_PERIOD,
        `seek to ${new Date(at).toISOString()} is outside the replay's period [${new Date(run.from).toISOString()}, ${new Date(run.to).toISOString()})`,
      );
    await run.seek(at, speed);
    return run;
  }

  /** ends the replay and deletes its namespace; throws E_REPLAY_NOT_FOUND */
  async delete(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) throw new CityopsError(ErrorCodes.REPLAY_NOT_FOUND, `no replay ${id}`);
    this.entries.delete(id);
    entry.vitals.stop();
    await entry.run.stop();
  }

  /** ends the replays nobody watched or asked about for `idleTimeoutMs` */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const [id, { run }] of [...this.entries]) {
      if (this.opts.watchers(id) > 0) {
        run.lastActive = now;
        continue;
      }
      if (now - run.lastActive < this.opts.settings.idleTimeoutMs) continue;
      this.expired++;
      this.opts.log?.(`replay ${id}: idle for ${Math.round((now - run.lastActive) / 1000)} s, ended`);
      await this.delete(id).catch(() => undefined);
    }
  }

  /** ends every replay (the gateway closes) */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const id of [...this.entries.keys()]) await this.delete(id).catch(() => undefined);
  }

  private checkPeriod(from: number, to: number): void {
    const { maxPeriodMs } = this.opts.settings;
    const bad = (why: string) => new CityopsError(ErrorCodes.REPLAY_BAD_PERIOD, why);
    if (!(from < to)) throw bad('from must be before to');
    if (to > this.now())
      throw bad('to is in the future: a replay reads a past period (the live wall shows the present)');
    if (to - from > maxPeriodMs) throw bad(`the period is longer than REPLAY_MAX_PERIOD_MS (${maxPeriodMs} ms)`);
  }
}
