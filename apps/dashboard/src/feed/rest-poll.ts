/**
 * What a REST-fed widget knows (the 接诉即办 KPIs, `GET /api/v1/hotline/kpis`, are not on the socket).
 * `fetchedAt` is the server's time of the last fetch that worked (local time + the feed's clock
 * offset), so the age is on the same clock as every other widget's.
 */
export interface RestState<T> {
  data: T | null;
  /** server-clock ms of the last successful fetch, null before one */
  fetchedAt: number | null;
  /** why the last fetch failed: `network` (no answer), `HTTP <status>`, `bad body`; null when it worked */
  error: string | null;
}

export interface RestPollOptions<T> {
  url: string;
  intervalMs: number;
  /** extra request headers (the wall's bearer token) */
  headers?: () => Record<string, string>;
  /** server − local clock, ms (VitalsFeed's clockOffsetMs) */
  clockOffsetMs?: () => number;
  /** checks the body's shape; a body that fails is kept out (error `bad body`) */
  accept?: (body: unknown) => body is T;
  fetch?: typeof fetch;
  now?: () => number;
  /** a fetch that has not answered by then is abandoned as `network`; default 10 s */
  timeoutMs?: number;
}

/**
 * Polls one JSON endpoint every `intervalMs` and keeps the last good answer with its time, so the
 * widget can say how old it is; a failed fetch keeps the last data and records why. Framework-free:
 * React reads it through `subscribe`/`getState` like the socket feeds.
 */
export class RestPoll<T> {
  private state: RestState<T> = { data: null, fetchedAt: null, error: null };
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private inFlight: AbortController | undefined;

  constructor(private readonly o: RestPollOptions<T>) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.poll();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.inFlight?.abort();
    this.listeners.clear();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getState(): RestState<T> {
    return this.state;
  }

  /** one fetch; then the next is scheduled (never two at once) */
  async poll(): Promise<void> {
    clearTimeout(this.timer);
    const ctl = new AbortController();
    this.inFlight = ctl;
    const timeout = setTimeout(() => ctl.abort(), this.o.timeoutMs ?? 10_000);
    const now = this.o.now ?? Date.now;
    try {
      const res = await (this.o.fetch ?? fetch)(this.o.url, { headers: this.o.headers?.() ?? {}, signal: ctl.signal });
      if (!res.ok) this.set({ error: `HTTP ${res.status}` });
      else {
        const body: unknown = await res.json();
        if (this.o.accept && !this.o.accept(body)) this.set({ error: 'bad body' });
        else this.set({ data: body as T, fetchedAt: now() + (this.o.clockOffsetMs?.() ?? 0), error: null });
      }
    } catch {
      if (this.running) this.set({ error: 'network' });
    } finally {
      clearTimeout(timeout);
      if (this.inFlight === ctl) this.inFlight = undefined;
    }
    if (this.running) this.timer = setTimeout(() => void this.poll(), this.o.intervalMs);
  }

  private set(patch: Partial<RestState<T>>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
}
