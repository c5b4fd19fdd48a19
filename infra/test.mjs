#!/usr/bin/env node
// `npm test`: the whole suite, in the order that fails fastest. Installs the tools it drives when
// missing (infra/test-tools.sh), starts the real infrastructure it needs (Kafka in KRaft mode and
// Redis, via infra/up.sh) and leaves it running for the next run; `npm run infra:down` stops it.
// Every step must pass; the first failure ends the run. The last line sums every suite's counts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' };
const totals = { passed: 0, failed: 0, skipped: 0 };

/** Adds up vitest's summary lines, e.g. `Tests  1 failed | 3 passed | 2 skipped (6)`. */
function count(text) {
  for (const line of stripVTControlCharacters(text).split('\n')) {
    if (!/^\S*\s*Tests\s+\d/.test(line.replace(/^@cityops\/[\w-]+:[\w:]+:\s*/, ''))) continue;
    for (const kind of ['passed', 'failed', 'skipped']) {
      const m = new RegExp(`(\\d+) ${kind}`).exec(line);
      if (m) totals[kind] += Number(m[1]);
    }
  }
}

function step(title, cmd, args) {
  const started = Date.now();
  console.log(`\n=== ${title}: ${cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      out += chunk.toString();
    });
    child.on('close', (status, signal) => {
      count(out);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (status !== 0) {
        console.error(`\n=== FAILED: ${title} (exit ${status ?? signal}, ${secs} s)`);
        console.log(`tests: ${totals.passed} passed, ${Math.max(1, totals.failed)} failed`);
        process.exit(status || 1);
      }
      console.log(`=== ok: ${title} (${secs} s)`);
      resolve();
    });
  });
}

await step('test tools', 'bash', ['infra/test-tools.sh']);
await step('infrastructure', 'bash', ['infra/up.sh']);
for (const line of readFileSync(join(root, '.infra', 'env'), 'utf8').split('\n')) {
  const m = /^([A-Z_]+)=(.*)$/.exec(line);
  if (m && !process.env[m[1]]) env[m[1]] = m[2];
}
await step('lint', 'npx', ['eslint', '.']);
await step('format', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']);
await step('typecheck', 'npx', ['turbo', 'run', 'typecheck', '--output-logs=errors-only']);
await step('build', 'npx', ['turbo', 'run', 'build', '--output-logs=errors-only']);
await step('unit, contract and end-to-end tests', 'npx', ['turbo', 'run', 'test', '--concurrency=1']);
await step('browser tests', 'npx', ['turbo', 'run', 'test:browser', '--concurrency=1']);
if (totals.passed === 0) {
  console.error('no test ran');
  process.exit(1);
}
console.log('\nall test steps passed');
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
