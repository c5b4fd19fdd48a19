/** What unregistered sources are counted as in the vital signs. */
export const OTHER_SOURCE = 'other';

/**
 * The registry of sources the vital signs count by name (KNOWN_SOURCES). Any other source is
 * counted under `other` until a data team registers it, so the per-source figures (and the
 * snapshot every screen receives) do not grow with names senders invent. An entry ending in `*`
 * registers every source that starts with what precedes it.
 */
export interface KnownSources {
  /** the name `source` is counted under: itself when registered, else `other` */
  countAs(source: string): string;
}

export function knownSources(entries: readonly string[]): KnownSources {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const e of entries) {
    if (e.endsWith('*')) prefixes.push(e.slice(0, -1));
    else exact.add(e);
  }
  return {
    countAs: (source) => (exact.has(source) || prefixes.some((p) => source.startsWith(p)) ? source : OTHER_SOURCE),
  };
}
