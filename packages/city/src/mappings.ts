import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { categoryIndex } from './taxonomy.js';
import type { CategoryMapping, Taxonomy } from './types.js';
import { packError } from './validate.js';

/** The directory of a pack's category mappings, one file per adapter: `mappings/<adapter>.json`. */
export const MAPPINGS_DIR = 'mappings';

const ADAPTER = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const Mapping = z
  .object({
    adapter: z.string().regex(ADAPTER, 'kebab-case adapter name'),
    fallback: z.string().min(1),
    codes: z.record(z.string().min(1).max(128), z.string()),
  })
  .strict();

/**
 * Validates one mapping file: its shape, that it is named after its adapter, and that the fallback
 * and every mapped code exist in the taxonomy (large or small class). Throws E_PACK_INVALID naming
 * the file and the code.
 */
export function parseMapping(json: unknown, file: string, taxonomy: Taxonomy): CategoryMapping {
  const parsed = Mapping.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw packError(`${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const m = parsed.data;
  const base = file.split('/').pop()!;
  if (base !== `${m.adapter}.json`)
    throw packError(`${file}: names adapter "${m.adapter}"; the file must be ${m.adapter}.json`);
  const known = categoryIndex(taxonomy);
  if (!known.has(m.fallback)) throw packError(`${file}: fallback: unknown taxonomy code "${m.fallback}"`);
  for (const [source, code] of Object.entries(m.codes)) {
    if (!known.has(code)) throw packError(`${file}: codes."${source}": unknown taxonomy code "${code}"`);
  }
  return m;
}

/** Reads and validates every `*.json` in `dir` (a pack's mappings directory); none when it does not exist. */
export function readMappings(dir: string, taxonomy: Taxonomy): Record<string, CategoryMapping> {
  if (!existsSync(dir)) return {};
  const out: Record<string, CategoryMapping> = {};
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = `${MAPPINGS_DIR}/${f}`;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    } catch (err) {
      throw packError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    const m = parseMapping(json, file, taxonomy);
    out[m.adapter] = m;
  }
  return out;
}
