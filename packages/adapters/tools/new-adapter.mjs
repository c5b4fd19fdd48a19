#!/usr/bin/env node
/**
 * Writes a working adapter from packages/adapters/templates:
 *
 *   npm run new-adapter -- --name demo [--source demo-feed] [--out DIR] [--registry FILE | --no-register]
 *
 * Writes DIR/<name>/{index.ts, options.ts, <name>.test.ts, README.md, fixtures/*.json} (DIR defaults
 * to packages/adapters/src) and adds the adapter to the registry (packages/adapters/src/registry.ts)
 * above the `// new adapters above this line` marker. Refuses an existing directory or a name that
 * is not kebab-case. The generated contract test passes untouched.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = '  // new adapters above this line';

function fail(message) {
  console.error(`new-adapter: ${message}`);
  process.exit(2);
}

function args(argv) {
  const out = { register: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--name') out.name = value();
    else if (a === '--source') out.source = value();
    else if (a === '--out') out.out = value();
    else if (a === '--registry') out.registry = value();
    else if (a === '--no-register') out.register = false;
    else fail(`unknown argument ${a} (known: --name, --source, --out, --registry, --no-register)`);
  }
  return out;
}

const o = args(process.argv.slice(2));
if (!o.name) fail('--name <kebab-case-name> is required');
if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(o.name) || o.name.length > 40) {
  fail(
    `--name ${JSON.stringify(o.name)}: kebab-case, a letter first, at most 40 characters (e.g. demo, bike-counters)`,
  );
}
const source = o.source ?? o.name;
if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(source))
  fail(`--source ${JSON.stringify(source)}: like hotline-12345 or sim.sensors`);
const camel = o.name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const pascal = camel[0].toUpperCase() + camel.slice(1);
const fill = (text) =>
  text
    .replaceAll('__name__', o.name)
    .replaceAll('__source__', source)
    .replaceAll('__camel__', camel)
    .replaceAll('__Pascal__', pascal);

const outRoot = o.out ?? join(pkg, 'src');
const dir = join(outRoot, o.name);
if (existsSync(dir)) fail(`${dir} exists already; pick another name or remove it`);
const t = join(pkg, 'templates');
mkdirSync(join(dir, 'fixtures'), { recursive: true });
writeFileSync(join(dir, 'index.ts'), fill(readFileSync(join(t, 'index.ts.tmpl'), 'utf8')));
writeFileSync(join(dir, 'options.ts'), fill(readFileSync(join(t, 'options.ts.tmpl'), 'utf8')));
writeFileSync(join(dir, `${o.name}.test.ts`), fill(readFileSync(join(t, 'test.ts.tmpl'), 'utf8')));
writeFileSync(join(dir, 'README.md'), fill(readFileSync(join(t, 'README.md.tmpl'), 'utf8')));
for (const f of readdirSync(join(t, 'fixtures'))) {
  writeFileSync(join(dir, 'fixtures', f), fill(readFileSync(join(t, 'fixtures', f), 'utf8')));
}
console.log(`new-adapter: wrote ${relative(process.cwd(), dir)}/`);

if (o.register) {
  const registry = o.registry ?? join(pkg, 'src', 'registry.ts');
  let text = readFileSync(registry, 'utf8');
  if (!text.includes(MARKER)) fail(`${registry}: no "${MARKER.trim()}" line to add the adapter above`);
  const rel = relative(dirname(registry), dir).split('\\').join('/');
  const importLine = `import { ${camel} } from './${rel}/index.js';\n`;
  const key = /^[a-z][a-z0-9]*$/.test(o.name) ? o.name : `'${o.name}'`;
  const entry = `  ${key}: ${camel} as Adapter<unknown>,\n`;
  if (!text.includes(entry)) {
    text = text.replace(MARKER, `${entry}${MARKER}`);
    // first line of the file: always between statements, whatever the other imports look like
    writeFileSync(registry, importLine + text);
  }
  console.log(`new-adapter: registered '${o.name}' in ${relative(process.cwd(), registry)}`);
}
// the project's formatting, so `npm run lint` stays clean (skipped where prettier is not installed)
const prettier = join(pkg, '..', '..', 'node_modules', 'prettier', 'bin', 'prettier.cjs');
if (existsSync(prettier)) {
  const files = [dir, ...(o.register ? [o.registry ?? join(pkg, 'src', 'registry.ts')] : [])];
  spawnSync(process.execPath, [prettier, '--write', '--log-level', 'warn', ...files], { stdio: 'inherit' });
}
console.log(`new-adapter: test it with: cd packages/adapters && npx vitest run src/${o.name}`);
