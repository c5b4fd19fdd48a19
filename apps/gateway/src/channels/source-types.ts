import type { Ingestor } from '@cityops/ingest';

/** the door boundaries whose rows are named `events/<envelope source>` (as DoorTally names them) */
const DOORS = new Set(['http', 'simulator']);
const TYPE = /^[a-z][a-z0-9._-]{0,63}$/;
const SOURCE = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const MAX_SOURCES = 500;
const MAX_TYPES = 8;

/**
 * Which event types each source sends, as this gateway's ingestor sees them, so a wall can tell
 * that the sensor figures are silent when the sources that send sensor readings are (decision
 * 13). The key is the name the sources list uses: the adapter's name for an adapter in this
 * process (its ingest boundary), `events/<envelope source>` at the canonical door and the simulator.
 * Bounded: 500 sources of 8 types each; later ones are not tallied. Adapters running in another
 * process (distributed mode) are not seen here, so their rows carry no types.
 */
export class SourceTypes {
  private readonly types = new Map<string, Set<string>>();

  /** Wraps `ingestor.ingest` (after any other wrap) to tally; returns the undo. */
  observe(ingestor: Ingestor): () => void {
    const original = ingestor.ingest;
    const bound = original.bind(ingestor);
    ingestor.ingest = (items, boundary) => {
      try {
        this.record(items, boundary);
      } catch {
        // the tally must never stand in the way of an ingest
      }
      return bound(items, boundary);
    };
    return () => {
      ingestor.ingest = original;
    };
  }

  record(items: Parameters<Ingestor['ingest']>[0], boundary: string): void {
    for (const item of items) {
      if (!item.ok || typeof item.value !== 'object' || item.value === null) continue;
      const { type, source } = item.value as { type?: unknown; source?: unknown };
      if (typeof type !== 'string' || !TYPE.test(type)) continue;
      if (DOORS.has(boundary) && (typeof source !== 'string' || !SOURCE.test(source))) continue;
      const key = DOORS.has(boundary) ? `events/${String(source)}` : boundary;
      if (key.length > 110) continue;
      let set = this.types.get(key);
      if (!set) {
        if (this.types.size >= MAX_SOURCES) continue;
        this.types.set(key, (set = new Set()));
      }
      if (set.size < MAX_TYPES) set.add(type);
    }
  }

  of(name: string): string[] | undefined {
    const set = this.types.get(name);
    return set ? [...set].sort() : undefined;
  }

  /** the rows with their `types` (rows of sources never seen here are left as they are) */
  annotate<R extends { name: string }>(rows: readonly R[]): Array<R & { types?: string[] }> {
    return rows.map((r) => {
      const types = this.of(r.name);
      return types ? { ...r, types } : r;
    });
  }
}
