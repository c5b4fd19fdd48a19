import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAPPINGS_DIR, readMappings } from './mappings.js';
import { generateShanghaiPack } from './generate.js';
import { PACK_FILES, type PackFileKey, type PackFiles } from './pack-files.js';
import { packError, parsePack } from './validate.js';
import type { CategoryMapping, CityPack } from './types.js';

let defaultPack: CityPack | undefined;

/**
 * Load a city pack, synchronously.
 *
 * - `loadCityPack()` returns the default Shanghai pack. It is generated in memory on the first call
 *   (deterministic, well under 2 s) and the same object is returned afterwards: treat it as
 *   read-only.
 * - `loadCityPack(dir)` reads and validates the pack in `dir` (see PACK-FORMAT.md). The app passes
 *   the `CITY_PACK` environment variable here; this package never reads the environment itself.
 *
 * Category mappings (`mappings/<adapter>.json`, see PACK-FORMAT.md) are read with the pack: for the
 * default pack from this package's `mappings/` directory, for a pack on disk from `<dir>/mappings/`.
 *
 * Throws CityopsError `E_PACK_INVALID` naming the file and feature (or mapping file and code) when
 * the pack is broken.
 *
 * @example
 * const pack = loadCityPack(process.env.CITY_PACK);   // undefined → default pack
 * const index = new CityIndex(pack);
 */
export function loadCityPack(dir?: string): CityPack {
  if (dir === undefined || dir === '') {
    if (!defaultPack) {
      const pack = parsePack(generateShanghaiPack());
      pack.mappings = readMappings(DEFAULT_MAPPINGS_DIR, pack.taxonomy);
      defaultPack = pack;
    }
    return defaultPack;
  }
  const pack = parsePack(readPackFiles(dir));
  pack.mappings = readMappings(join(dir, MAPPINGS_DIR), pack.taxonomy);
  return pack;
}

/** The default pack's category mappings, shipped in this package (`packages/city/mappings`). */
export const DEFAULT_MAPPINGS_DIR = fileURLToPath(new URL('../mappings/', import.meta.url));

/** Read the raw JSON of every pack file in `dir`. */
export function readPackFiles(dir: string): PackFiles {
  if (!existsSync(dir)) throw packError(`${dir}: city pack directory does not exist`);
  const out = {} as PackFiles;
  for (const key of Object.keys(PACK_FILES) as PackFileKey[]) {
    const file = PACK_FILES[key];
    const path = join(dir, file);
    if (!existsSync(path)) throw packError(`${file}: missing from pack directory ${dir}`);
    try {
      out[key] = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw packError(`${file}: not valid JSON (${(err as Error).message})`);
    }
  }
  return out;
}

/**
 * Write pack files to `dir` (one feature per line, so diffs and error hunting stay readable), and
 * the category mappings, when given, to `dir/mappings/<adapter>.json`.
 */
export function writePackFiles(dir: string, files: PackFiles, mappings?: Record<string, CategoryMapping>): void {
  mkdirSync(dir, { recursive: true });
  for (const key of Object.keys(PACK_FILES) as PackFileKey[]) {
    writeFileSync(join(dir, PACK_FILES[key]), serialise(key, files[key]));
  }
  const list = Object.values(mappings ?? {});
  if (list.length) mkdirSync(join(dir, MAPPINGS_DIR), { recursive: true });
  for (const m of list) writeFileSync(join(dir, MAPPINGS_DIR, `${m.adapter}.json`), `${JSON.stringify(m, null, 2)}\n`);
}

function serialise(key: PackFileKey, value: unknown): string {
  if (key === 'pack') return `${JSON.stringify(value, null, 2)}\n`;
  const fc = value as { features: unknown[] };
  const lines = fc.features.map((f) => JSON.stringify(f));
  return `{"type":"FeatureCollection","features":[\n${lines.join(',\n')}\n]}\n`;
}
