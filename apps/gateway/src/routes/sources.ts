import express, { type Router } from 'express';
import type { Config } from '@cityops/config';
import { DoorTally, SilenceWatch, type Ingestor, type SourceRow, type SourceRowWithSilence } from '@cityops/ingest';
import { requireRole } from '@cityops/identity';

/** What the adapter host reports per adapter (its `health()`), or the ingest app's list over HTTP. */
export type AdapterHealthProvider = () => readonly object[] | Promise<readonly object[]>;

export interface SourceBook {
  /** every source: the adapters' rows, then the canonical door's, with silence and rejected % */
  rows(): Promise<{ sources: SourceRowWithSilence[]; errors: string[] }>;
  /** stops counting the door (undoes the wrap of the ingestor) */
  close(): void;
}

/**
 * The sources `GET /api/v1/sources` and the wall's `sources` channel list: the adapters (from the
 * host in this process, or the ingest app's) and what the canonical door `POST /api/v1/events`
 * and the in-process simulator handed to `ingestor`, per envelope source. A provider that fails
 * leaves its rows out and says why in `errors`; the door's rows are always there.
 */
export function sourceBook(ingestor: Ingestor, adapters?: AdapterHealthProvider): SourceBook {
  const door = new DoorTally();
  const undo = door.observe(ingestor, ['http', 'simulator']);
  const watch = new SilenceWatch();
  return {
    async rows() {
      const errors: string[] = [];
      let fromAdapters: SourceRow[] = [];
      try {
        fromAdapters = (await (adapters?.() ?? [])).map(toRow);
      } catch (err) {
        errors.push(`adapters: ${err instanceof Error ? err.message : String(err)}`);
      }
      return { sources: watch.sample([...fromAdapters, ...door.rowsNow()]), errors };
    },
    close: undo,
  };
}

/**
 * `GET /api/v1/sources` for the `data` role (a data-team user, or a key of DATA_API_KEYS / the ADMIN_API_KEY,
 * which `authenticate` in front of it turns into that role).
 */
export function sourcesRoute(_config: Pick<Config, 'DATA_API_KEYS' | 'ADMIN_API_KEY'>, book: SourceBook): Router {
  const router = express.Router();
  router.get('/api/v1/sources', requireRole('data'), async (_req, res) => {
    const { sources, errors } = await book.rows();
    res.json({ at: new Date().toISOString(), sources, ...(errors.length ? { errors } : {}) });
  });
  return router;
}

/**
 * Distributed mode: the adapters' health from the ingest app (`INGEST_URL`, default
 * `http://HOST:INGEST_PORT`), `GET /api/v1/sources` with the data key this gateway has (the
 * ADMIN_API_KEY, else the first of DATA_API_KEYS). Without either it cannot ask and says so.
 */
export function remoteAdapterHealth(
  config: Pick<Config, 'INGEST_URL' | 'HOST' | 'INGEST_PORT' | 'ADMIN_API_KEY' | 'DATA_API_KEYS'>,
  timeoutMs = 2_000,
): () => Promise<SourceRow[]> {
  const base =
    config.INGEST_URL ?? `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.INGEST_PORT}`;
  const key = config.ADMIN_API_KEY ?? config.DATA_API_KEYS[0];
  return async () => {
    if (!key)
      throw new Error('set ADMIN_API_KEY or DATA_API_KEYS so that the gateway can read the ingest app’s health');
    const res = await fetch(new URL('/api/v1/sources', base), {
      headers: { 'x-api-key': key },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`the ingest app answered ${res.status}`);
    const body = (await res.json()) as { sources?: unknown };
    if (!Array.isArray(body.sources)) throw new Error('the ingest app answered without a sources list');
    return (body.sources as unknown[]).filter((x): x is object => typeof x === 'object' && x !== null).map(toRow);
  };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** A row as received (from another process, or a host of another version), with every field set. */
function toRow(row: object): SourceRow {
  const h = row as Partial<Record<keyof SourceRow, unknown>>;
  const error = h.lastError as { code?: unknown; reason?: unknown; at?: unknown } | null | undefined;
  return {
    name: String(h.name ?? 'unknown').slice(0, 100),
    source: String(h.source ?? h.name ?? 'unknown').slice(0, 100),
    eventsPerSecond: num(h.eventsPerSecond),
    lastEventAt: str(h.lastEventAt),
    lastEventTime: str(h.lastEventTime),
    accepted: num(h.accepted),
    duplicates: num(h.duplicates),
    rejected: num(h.rejected),
    deadLettered: num(h.deadLettered),
    retry: num(h.retry),
    unmapped: typeof h.unmapped === 'object' && h.unmapped !== null ? (h.unmapped as Record<string, number>) : {},
    lastError:
      error && typeof error.code === 'string'
        ? { code: error.code, reason: String(error.reason ?? ''), at: String(error.at ?? '') }
        : null,
    connection: typeof h.connection === 'string' ? h.connection : 'unknown',
    queued: num(h.queued),
  };
}
