import type { SourceHealthView, SourcesChannelState, Snapshot } from '@cityops/schema';
import { Channel, type Emitter } from './channel.js';

export const SOURCES_CHANNEL = 'sources';

/**
 * The part of an adapter's health the gateway reads (structurally the SDK's `SourceHealth` from
 * `@cityops/adapters`, so the host's list can be passed as it is). Only these figures are copied
 * to screens: error texts, unmapped codes and anything else the host keeps stay off the wall.
 */
export interface SourceHealthInput {
  name: string;
  source?: string;
  eventsPerSecond?: number | null;
  lastEventAt?: string | null;
  accepted?: number | null;
  rejected?: number | null;
  deadLettered?: number | null;
  lastError?: { code?: string } | null;
  connection?: string | null;
  /** how long without an accepted event makes it silent, as the host learned it (SilenceWatch) */
  silentAfterMs?: number | null;
  /** the event types it sent, as this gateway saw them (SourceTypes) */
  types?: readonly string[] | null;
}

export type SourceHealthProvider = () => readonly SourceHealthInput[] | Promise<readonly SourceHealthInput[]>;

export interface SourcesChannelOptions {
  /** how often the provider is read; default 1 s */
  intervalMs?: number;
  /** a source with no accepted event for this long is shown silent (stale); default 60 s */
  silentAfterMs?: number;
  /** sources shown at most (alphabetical by name); default 100 */
  maxSources?: number;
  now?: () => number;
  /** where the text of a provider's error goes (the log), since it is not sent to screens */
  onError?: (message: string) => void;
}

const CODE = /^E_[A-Z0-9_]{1,60}$/;
const TYPE = /^[a-z][a-z0-9._-]{0,63}$/;
const MAX_TYPES = 8;
/** a learned silence threshold is used when it is within these bounds, else the channel's default */
const SILENT_MIN_MS = 1_000;
const SILENT_MAX_MS = 86_400_000;
const NAME_MAX = 100;
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined);

/**
 * One input row, reduced to the figures a wall may show. The silence threshold is the host's
 * learned one (`silentAfterMs` of the row: a few of the source's usual intervals, at least 10 s)
 * when it has one, else `silentAfterMs` (the channel's default).
 */
export function sourceView(h: SourceHealthInput, silentAfterMs: number): SourceHealthView {
  const rate = typeof h.eventsPerSecond === 'number' && Number.isFinite(h.eventsPerSecond) ? h.eventsPerSecond : NaN;
  const last = typeof h.lastEventAt === 'string' ? Date.parse(h.lastEventAt) : NaN;
  const code = h.lastError?.code;
  const fields: Partial<SourceHealthView> = {
    connection: typeof h.connection === 'string' ? h.connection.slice(0, 20) : undefined,
    // two decimals: float noise in a rate must not make a delta every second
    ratePerSec: rate >= 0 ? Math.round(rate * 100) / 100 : undefined,
    lastEventAt: Number.isFinite(last) ? new Date(last).toISOString() : undefined,
    accepted: count(h.accepted),
    rejected: count(h.rejected),
    deadLettered: count(h.deadLettered),
    lastErrorCode: typeof code === 'string' && CODE.test(code) ? code : undefined,
  };
  const learned = h.silentAfterMs;
  const silent =
    typeof learned === 'number' && Number.isFinite(learned) && learned >= SILENT_MIN_MS && learned <= SILENT_MAX_MS
      ? Math.round(learned)
      : silentAfterMs;
  const view: SourceHealthView = { source: String(h.source ?? h.name).slice(0, NAME_MAX), silentAfterMs: silent };
  const types = Array.isArray(h.types) ? h.types.filter((t) => typeof t === 'string' && TYPE.test(t)) : [];
  if (types.length) view.types = [...new Set(types)].sort().slice(0, MAX_TYPES);
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (view as unknown as Record<string, unknown>)[k] = v;
  return view;
}

/**
 * The `sources` channel: reads the adapters' health through the provider the gateway was given
 * (`GatewayDeps.sourceHealth`), every `intervalMs`, and publishes what changed. Without a
 * provider it publishes `available: false` once, so the panel says there is nothing to show
 * rather than drawing zeros. A provider that throws leaves the last rows and sets `error`.
 */
export class SourcesChannel {
  readonly channel: Channel<SourcesChannelState>;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private last: SourcesChannelState;
  private readonly intervalMs: number;
  private readonly silentAfterMs: number;
  private readonly maxSources: number;
  private readonly now: () => number;
  private readonly onError: (message: string) => void;

  constructor(
    private readonly provider: SourceHealthProvider | undefined,
    out: Emitter,
    options: SourcesChannelOptions = {},
  ) {
    this.channel = new Channel(SOURCES_CHANNEL, out);
    this.intervalMs = options.intervalMs ?? 1_000;
    this.silentAfterMs = options.silentAfterMs ?? 60_000;
    this.maxSources = options.maxSources ?? 100;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
    this.last = { available: provider !== undefined, sources: {}, readAt: null };
  }

  async start(): Promise<void> {
    this.running = true;
    await this.tick();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  snapshot(): Snapshot<SourcesChannelState> | null {
    return this.channel.snapshot();
  }

  /** one read of the provider and a publish */
  async tick(): Promise<void> {
    if (this.provider === undefined) {
      this.channel.publish(this.last);
      return;
    }
    const at = this.now();
    try {
      const rows = [...(await this.provider())].sort((a, b) => a.name.localeCompare(b.name)).slice(0, this.maxSources);
      const sources: Record<string, SourceHealthView> = {};
      for (const h of rows) sources[String(h.name).slice(0, NAME_MAX)] = sourceView(h, this.silentAfterMs);
      this.last = { available: true, sources, readAt: new Date(at).toISOString() };
    } catch (err) {
      // the text of a host's error may carry a URL with credentials: the wall gets a fixed line
      this.onError(String(err));
      const { error: _old, ...rest } = this.last;
      this.last = { ...rest, error: 'source health could not be read' };
    }
    this.channel.publish(this.last);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.intervalMs);
  }
}
