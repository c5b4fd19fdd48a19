import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const tool = join(pkg, 'tools', 'new-adapter.mjs');
const name = `zz-scaffold-${process.pid}`;
const dir = join(pkg, 'src', name);
const registry = join(pkg, 'src', `zz-registry-${process.pid}.ts`);
const tsconfig = join(pkg, `tsconfig.zz-${process.pid}.json`);

const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, {
    cwd: pkg,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    timeout: 240_000,
  });

afterAll(() => {
  for (const p of [dir, registry, tsconfig]) rmSync(p, { recursive: true, force: true });
});

describe('npm run new-adapter', () => {
  it('writes an adapter that typechecks, registers it, and passes its contract test untouched', () => {
    copyFileSync(join(pkg, 'src', 'registry.ts'), registry);
    const made = run(process.execPath, [tool, '--name', name, '--registry', registry]);
    expect(made.status, made.stderr).toBe(0);
    for (const f of ['index.ts', 'options.ts', `${name}.test.ts`, 'README.md', 'fixtures/good-readings.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const reg = readFileSync(registry, 'utf8');
    expect(reg).toContain(`import { zzScaffold${process.pid} } from './${name}/index.js';`);
    expect(reg).toMatch(
      new RegExp(`'${name}': zzScaffold${process.pid} as Adapter<unknown>,\\n\\s*// new adapters above this line`),
    );

    writeFileSync(
      tsconfig,
      JSON.stringify({ extends: './tsconfig.json', include: [`src/${name}`, `src/zz-registry-${process.pid}.ts`] }),
    );
    const tsc = run(process.execPath, [
      join(pkg, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      tsconfig,
    ]);
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    const vitest = run(process.execPath, [
      join(pkg, '..', '..', 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      `src/${name}`,
    ]);
    expect(vitest.status, vitest.stdout.slice(-2000) + vitest.stderr.slice(-2000)).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(vitest.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+12 passed/);
  }, 480_000);

  it('refuses a name that is not kebab-case, an existing directory and unknown arguments, changing nothing', () => {
    const bad = run(process.execPath, [tool, '--name', 'Bad_Name', '--no-register']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('kebab-case');
    const exists = run(process.execPath, [tool, '--name', 'hotline', '--no-register']);
    expect(exists.status).toBe(2);
    expect(exists.stderr).toContain('exists already');
    expect(run(process.execPath, [tool, '--name', 'x', '--colour', 'red']).stderr).toContain(
      'unknown argument --colour',
    );
  });
});
