/** What replay reports as it goes. */
export interface ProgressState {
  done: number;
  total: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** simulated time of the last event sent, ISO */
  simTime: string | null;
}

export interface ProgressOut {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

/**
 * A progress bar on stderr: redrawn in place on a terminal, a plain line every `everyMs` otherwise
 * (CI logs and pipes do not understand carriage returns).
 */
export class Progress {
  private last = -Infinity;

  constructor(
    private readonly out: ProgressOut,
    private readonly now: () => number = Date.now,
    private readonly everyMs = 5000,
  ) {}

  update(s: ProgressState, force = false): void {
    const t = this.now();
    if (this.out.isTTY) {
      if (!force && t - this.last < 100) return;
      this.last = t;
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 70));
      const share = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
      const fill = Math.round(share * width);
      this.out.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct(share)} ${line(s)}\x1b[K`);
      return;
    }
    if (!force && t - this.last < this.everyMs) return;
    this.last = t;
    this.out.write(`replay ${pct(s.total > 0 ? s.done / s.total : 0)} ${line(s)}\n`);
  }

  finish(s: ProgressState): void {
    this.update(s, true);
    if (this.out.isTTY) this.out.write('\n');
  }
}

const pct = (x: number): string => `${(Math.min(1, x) * 100).toFixed(1).padStart(5)}%`;

function line(s: ProgressState): string {
  return `${s.done}/${s.total} events, scenario time ${shanghaiClock(s.simTime)}, accepted ${s.accepted}, duplicates ${s.duplicates}, rejected ${s.rejected}`;
}

/** HH:MM in Shanghai time, how the scenario's day is read. */
function shanghaiClock(iso: string | null): string {
  if (!iso) return '--:--';
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(11, 16);
}
