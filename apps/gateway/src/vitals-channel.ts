import {
  diffMergePatch,
  type Delta,
  type Json,
  type Snapshot,
  type ThemesSnapshot,
  type VitalsSnapshot,
} from '@cityops/schema';
import type { CityPack } from '@cityops/city';
import type { Store } from '@cityops/store';
import { ThemesView, shippedSeed } from '@cityops/themes';
import { rollup, snapshotRange, streamWatermark } from '@cityops/vitals';

export const VITALS_CHANNEL = 'vitals';
/**
 * The themes are read at most this often (wall clock): they are current values of slow things, and
 * between two reads the merge patch carries only the counts, so a delta stays small whatever the
 * city's size (a themes delta is tens of KB: every street's figures move a little).
 */
export const THEMES_EVERY_MS = 5_000;

/** Where the snapshot's `themes` come from (packages/themes `ThemesView`): undefined until the themes stages have figures. */
export interface ThemesSource {
  read(): Promise<ThemesSnapshot | undefined>;
}

/**
 * The live gateway's themes: the themes stages' gauges of the aggregator's group, with the pack's
 * areas and the baseline seed shipped for the pack (packages/themes `seed/<pack id>.json`), if any.
 */
export function themesSourceFor(store: Store, group: string, pack: CityPack): ThemesSource {
  const seed = shippedSeed(pack.meta.id);
  return new ThemesView({ store, group, pack, ...(seed ? { seed } : {}) });
}

/** The minimal emitter shape the channel needs (a socket.io Server or Socket fits). */
export interface Emitter {
  emit(event: string, payload: unknown): unknown;
}

/**
 * The `vitals` channel: polls the store a few times a second, folds the counters into a
 * snapshot, and broadcasts what changed as a merge-patch delta with `seq` + 1. Polling is the
 * coalescing: whatever the event rate, screens get at most one delta per interval, so the cost
 * on a screen does not grow with the city's activity (DESIGN.md decision 6).
 */
export class VitalsChannel {
  private seq = 0;
  private state: VitalsSnapshot | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  lastError: string | null = null;
  /** the last error reading the themes (the counts go on without them) */
  themesError: string | null = null;
  private themesReadAt = 0;

  constructor(
    private readonly store: Store,
    private readonly group: string,
    private readonly broadcast: Emitter,
    private readonly intervalMs: number,
    /** the vital signs by theme (issue 11); without it the snapshot has counts only */
    private readonly themes?: ThemesSource,
    private readonly themesEveryMs = THEMES_EVERY_MS,
  ) {}

  /** Reads the first state, then keeps polling until stopped. */
  async start(): Promise<void> {
    this.running = true;
    await this.tick();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** The current state with its sequence number, for a new or resyncing screen. */
  snapshot(): Snapshot<VitalsSnapshot> | null {
    return this.state === null ? null : { channel: VITALS_CHANNEL, seq: this.seq, state: this.state };
  }

  /** One poll: read, fold, and broadcast a delta if anything changed. Never overlaps itself. */
  async tick(): Promise<void> {
    let next: VitalsSnapshot;
    try {
      next = await this.read();
      this.lastError = null;
    } catch (err) {
      this.lastError = String(err);
      return;
    }
    if (this.state === null) {
      this.state = next;
      this.seq = 1;
      this.broadcast.emit('snapshot', this.snapshot());
      return;
    }
    const patch = diffMergePatch(this.state as unknown as Json, next as unknown as Json);
    if (patch === undefined) return;
    this.state = next;
    this.seq += 1;
    const delta: Delta = { channel: VITALS_CHANNEL, seq: this.seq, patch };
    this.broadcast.emit('delta', delta);
  }

  private async read(): Promise<VitalsSnapshot> {
    const progress = await this.store.readProgress(this.group);
    const asOf = streamWatermark({ progress });
    const { fromBucket, toBucket } = asOf === null ? { fromBucket: 0, toBucket: -1 } : snapshotRange(asOf);
    const [vitals, themes] = await Promise.all([
      this.store.readVitals(this.group, fromBucket, toBucket).then(rollup),
      this.readThemes(),
    ]);
    return themes === undefined ? vitals : { ...vitals, themes };
  }

  /**
   * The themes, or the last ones when this read failed (a failed read must not make the merge patch
   * drop and resend the whole tree): counts and themes fail apart.
   */
  private async readThemes(): Promise<ThemesSnapshot | undefined> {
    if (!this.themes) return undefined;
    const now = Date.now();
    if (this.state?.themes !== undefined && now - this.themesReadAt < this.themesEveryMs) return this.state.themes;
    try {
      const themes = await this.themes.read();
      this.themesReadAt = now;
      this.themesError = null;
      return themes;
    } catch (err) {
      this.themesError = String(err);
      return this.state?.themes;
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.intervalMs);
  }
}
