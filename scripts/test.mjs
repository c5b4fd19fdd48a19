#!/usr/bin/env node
// `npm test`: the whole suite, in the order that fails fastest. Starts the real infrastructure
// it needs (Kafka in KRaft mode and Redis, via infra/up.sh) and leaves it running for the next
// run; `npm run infra:down` stops it. Every step must pass; the first failure ends the run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' };

function step(title, cmd, args) {
  const started = Date.now();
  console.log(`\n=== ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit' });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n=== FAILED: ${title} (exit ${r.status ?? r.signal}, ${secs} s)`);
    process.exit(r.status || 1);
  }
  console.log(`=== ok: ${title} (${secs} s)`);
}

step('test tools', 'bash', ['infra/test-tools.sh']);
step('infrastructure', 'bash', ['infra/up.sh']);
for (const line of readFileSync(join(root, '.infra', 'env'), 'utf8').split('\n')) {
  const m = /^([A-Z_]+)=(.*)$/.exec(line);
  if (m && !process.env[m[1]]) env[m[1]] = m[2];
}
step('lint', 'npx', ['eslint', '.']);
step('format', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']);
step('typecheck', 'npx', ['turbo', 'run', 'typecheck', '--output-logs=errors-only']);
step('build', 'npx', ['turbo', 'run', 'build', '--output-logs=errors-only']);
step('unit, contract and end-to-end tests', 'npx', ['turbo', 'run', 'test', '--concurrency=1']);
step('browser tests', 'npx', ['turbo', 'run', 'test:browser', '--concurrency=1']);
console.log('\nall test steps passed');
