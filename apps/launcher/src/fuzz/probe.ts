/** Asks `GET /healthz` every `everyMs` and keeps the slowest answer (a stalled server shows here). */
export class HealthProbe {
  slowestMs = 0;
  failures = 0;
  probes = 0;
  /** the slowest answer while each phase ran */
  readonly byPhase = new Map<string, number>();
  phase = 'start';
  private running = true;
  private readonly loop: Promise<void>;

  constructor(url: string, everyMs = 250) {
    this.loop = (async () => {
      while (this.running) {
        const t0 = Date.now();
        try {
          const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          if (res.status >= 500 && res.status !== 503) this.failures++;
        } catch {
          this.failures++;
        }
        this.probes++;
        const ms = Date.now() - t0;
        this.slowestMs = Math.max(this.slowestMs, ms);
        this.byPhase.set(this.phase, Math.max(this.byPhase.get(this.phase) ?? 0, ms));
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
