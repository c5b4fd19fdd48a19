import type { Bus, RecordBatch, ReplaySubscription } from '@cityops/bus';
import type { CityPack } from '@cityops/city';
import { deadLetter, Topics, type AlertsChannelState, type ErrorCode, type Snapshot } from '@cityops/schema';
import { RECORD_ID_HEADER } from '@cityops/stream';
import { AlertsFold, type AlertsFoldOptions } from './alerts-fold.js';
import { Channel, type Emitter } from './channel.js';

export const ALERTS_CHANNEL = 'alerts';

export interface AlertsChannelOptions extends AlertsFoldOptions {
  /** on start, the topic is re-read from this far back (by append time); default 24 h */
  rebuildHorizonMs?: number;
  /** how often the state is published to screens (the coalescing); default 250 ms */
  intervalMs?: number;
  /** how often the gateway checks it has read the topic to its end; default 2 s */
  checkEveryMs?: number;
  topic?: string;
  /** clock (epoch ms), for tests */
  now?: () => number;
  /** where a warning goes (a bad alert record) */
  warn?: (message: string) => void;
}

export interface AlertsChannelStats {
  folded: number;
  duplicates: number;
  rejected: Record<string, number>;
  deadLettered: number;
  open: number;
  cleared: number;
  rebuilding: boolean;
  currentAt: string | null;
  error?: string;
}

/**
 * The `alerts` channel: tails `city.alerts.v1` without a consumer group and without committing
 * (the bus's `replay`), so every gateway instance holds the whole picture and nothing has to be
 * stored: on start it re-reads the topic from `rebuildHorizonMs` back (by append time,
 * `offsetsForTime`) and says `rebuilding` until it reached the end it found. It folds the records
 * into open and recently cleared alerts ({@link AlertsFold}) and publishes the screen's state at
 * most every `intervalMs`. Every `checkEveryMs` it compares what it read with the topic's end
 * offsets: `currentAt` is the last time it knew it was up to date, which screens use for freshness.
 *
 * A record that is not a valid alert event is counted by code; one read live (not while
 * rebuilding) is also dead-lettered to `city.dlq.v1` with the reason, under a record id made of
 * its partition and offset, so the tail shows it once however many gateways read it.
 */
export class AlertsChannel {
  readonly channel: Channel<AlertsChannelState>;
  readonly fold: AlertsFold;
  private readonly opts: Required<Omit<AlertsChannelOptions, keyof AlertsFoldOptions>>;
  private sub: ReplaySubscription | undefined;
  private readonly read = new Map<number, number>();
  private rebuilding = true;
  private currentAt: string | null = null;
  private error: string | undefined;
  private dirty = true;
  private timer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly counts = { folded: 0, duplicates: 0, deadLettered: 0 };

  constructor(
    private readonly bus: Bus,
    pack: CityPack,
    out: Emitter,
    options: AlertsChannelOptions = {},
  ) {
    this.fold = new AlertsFold(pack, options);
    this.channel = new Channel(ALERTS_CHANNEL, out);
    this.opts = {
      rebuildHorizonMs: options.rebuildHorizonMs ?? 24 * 3600_000,
      intervalMs: options.intervalMs ?? 250,
      checkEveryMs: options.checkEveryMs ?? 2_000,
      topic: options.topic ?? Topics.alerts,
      now: options.now ?? Date.now,
      warn: options.warn ?? (() => {}),
    };
  }

  /** Starts the rebuild and the tail; resolves once the tail runs (not when the rebuild is done). */
  async start(): Promise<void> {
    this.running = true;
    this.publish();
    this.schedule();
    await this.open();
  }

  /** resolves when the rebuild reached the end offsets found at start */
  get rebuilt(): Promise<void> {
    return this.sub?.done ?? Promise.reject(new Error('alerts channel not started'));
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.checkTimer);
    clearTimeout(this.retryTimer);
    await this.sub?.stop();
  }

  snapshot(): Snapshot<AlertsChannelState> | null {
    return this.channel.snapshot();
  }

  get stats(): AlertsChannelStats {
    return {
      ...this.counts,
      rejected: { ...this.fold.rejected },
      open: this.fold.openCount,
      cleared: this.fold.clearedCount,
      rebuilding: this.rebuilding,
      currentAt: this.currentAt,
      ...(this.error === undefined ? {} : { error: this.error }),
    };
  }

  /** builds the state and publishes it if it changed (also called by the timer) */
  publish(): void {
    this.fold.prune(this.opts.now());
    if (!this.dirty && this.channel.snapshot() !== null) return;
    this.dirty = false;
    const { alerts, openBySeverity, notShown } = this.fold.screen();
    this.channel.publish({
      alerts,
      openBySeverity,
      open: this.fold.openCount,
      notShown,
      rebuilding: this.rebuilding,
      currentAt: this.currentAt,
      ...(this.error === undefined ? {} : { error: this.error }),
      rejected: { ...this.fold.rejected },
    });
  }

  /** one check that everything up to the topic's end was read: sets currentAt */
  async checkCurrent(): Promise<void> {
    const asked = this.opts.now();
    try {
      const end = await this.bus.endOffsets(this.opts.topic);
      const behind = Object.entries(end).some(([p, e]) => (this.read.get(Number(p)) ?? 0) < e);
      this.setError(undefined);
      if (!behind && !this.rebuilding) {
        this.currentAt = new Date(asked).toISOString();
        this.dirty = true;
      }
    } catch (err) {
      this.setError(`reading the end offsets of ${this.opts.topic}: ${String(err)}`);
    }
  }

  private async open(): Promise<void> {
    const topic = this.opts.topic;
    let from: Record<number, number>;
    try {
      from = await this.bus.offsetsForTime(topic, this.opts.now() - this.opts.rebuildHorizonMs);
      for (const [p, o] of Object.entries(from)) this.read.set(Number(p), o);
      this.sub = await this.bus.replay({ topic, fromOffsets: from, eachBatch: (b) => this.onBatch(b) });
      if (!this.running) {
        await this.sub.stop();
        return;
      }
    } catch (err) {
      this.setError(`opening ${topic}: ${String(err)}`);
      // try again after a pause; the screen says the alerts are not current meanwhile
      if (this.running) this.retryTimer = setTimeout(() => void this.open(), 2_000);
      return;
    }
    this.setError(undefined);
    void this.sub.done.then(() => {
      this.rebuilding = false;
      this.dirty = true;
      void this.checkCurrent();
    });
    this.scheduleCheck();
  }

  private async onBatch(batch: RecordBatch): Promise<void> {
    const live = !this.rebuilding;
    const letters: Array<{ key: string; value: string; headers: Record<string, string> }> = [];
    for (const r of batch.records) {
      const result = this.fold.apply(r.value, r.timestamp);
      if (result.ok) {
        if (result.change === 'new' || result.change === 'updated') {
          this.counts.folded += 1;
          this.dirty = true;
        } else this.counts.duplicates += 1;
        continue;
      }
      this.dirty = true;
      this.opts.warn(`${batch.topic}[${batch.partition}]@${r.offset}: ${result.code} ${result.reason}`);
      if (live) {
        const letter = deadLetter(result.code as ErrorCode, result.reason, `gateway:${batch.topic}`, r.value);
        letters.push({
          key: `${batch.topic}:${batch.partition}`,
          value: JSON.stringify(letter),
          headers: { [RECORD_ID_HEADER]: `${batch.topic}:${batch.partition}:${r.offset}` },
        });
      }
    }
    if (letters.length > 0) {
      try {
        await this.bus.publish(Topics.dlq, letters);
        this.counts.deadLettered += letters.length;
      } catch (err) {
        // counted in `rejected` either way; the fold is not held up by the dead-letter topic
        this.opts.warn(`dead-lettering ${letters.length} alert records failed: ${String(err)}`);
      }
    }
    this.read.set(batch.partition, batch.nextOffset);
  }

  private setError(error: string | undefined): void {
    if (error === this.error) return;
    this.error = error;
    this.dirty = true;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.publish();
      this.schedule();
    }, this.opts.intervalMs);
  }

  private scheduleCheck(): void {
    if (!this.running) return;
    this.checkTimer = setTimeout(() => {
      void this.checkCurrent().finally(() => this.scheduleCheck());
    }, this.opts.checkEveryMs);
  }
}
