#!/usr/bin/env node
import { computeOffline } from './offline.js';

try {
  const r = await computeOffline(process.argv.slice(2));
  process.stdout.write(JSON.stringify(r.output, null, 2) + '\n');
  const skipped = Object.entries(r.skipped);
  process.stderr.write(
    `${r.tickets} tickets${skipped.length ? `; lines skipped: ${skipped.map(([c, n]) => `${c} ${n}`).join(', ')}` : ''}\n`,
  );
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
