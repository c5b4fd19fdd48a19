import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the built dashboard is: `apps/dashboard/dist`, found through the workspace package. */
export function dashboardDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@cityops/dashboard/package.json');
    const dist = join(dirname(pkg), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : null;
  } catch {
    return null;
  }
}
