#!/usr/bin/env node
/**
 * Write the default Shanghai pack to a directory, as a starting point for an operator's own pack
 * or to inspect it: `npm run pack:write -w @cityops/city -- [DIR] [--seed N]` (default DIR:
 * packages/city/packs/shanghai, which git ignores). The result loads with `loadCityPack(DIR)`.
 */
import { fileURLToPath } from 'node:url';
import { generateShanghaiPack } from './generate.js';
import { loadCityPack, writePackFiles } from './load.js';
import { parsePack } from './validate.js';

const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : undefined;
if (seed !== undefined && !Number.isInteger(seed)) {
  console.error('--seed must be an integer');
  process.exit(2);
}
const dir =
  args.find((a, i) => !a.startsWith('--') && i !== seedAt + 1) ??
  fileURLToPath(new URL('../packs/shanghai', import.meta.url));
const files = generateShanghaiPack(seed === undefined ? {} : { seed });
const pack = parsePack(files);
// the default pack's category mappings go with it (mappings/<adapter>.json)
writePackFiles(dir, files, loadCityPack().mappings);
console.log(
  `wrote ${pack.meta.id} ${pack.meta.version} to ${dir}: ${pack.districts.length} districts, ${pack.streets.length} streets, ${pack.communities.length} communities, ${pack.grids.length} grid cells, ${pack.roads.length} road segments, ${pack.loadingZones.length} loading zones`,
);
