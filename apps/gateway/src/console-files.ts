import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the built officer console is: `apps/console/dist`, found through the workspace package. */
export function consoleDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@cityops/console/package.json');
    const dist = join(dirname(pkg), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : null;
  } catch {
    return null;
  }
}
