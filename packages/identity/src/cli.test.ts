import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runUserCli } from './cli.js';
import { FileDirectory } from './file-directory.js';
import { IdentityService } from './service.js';

function setup() {
  const path = join(mkdtempSync(join(tmpdir(), 'cityops-cli-')), 'users.json');
  const identity = new IdentityService({ directory: new FileDirectory(path), kdf: { log2N: 10, r: 8, p: 1 } });
  const out: string[] = [];
  const err: string[] = [];
  const passwords: string[] = [];
  const run = (...argv: string[]) =>
    runUserCli(argv, identity, {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      readPassword: () => Promise.resolve(passwords.shift() ?? ''),
    });
  return { path, identity, out, err, passwords, run };
}

describe('npm run user', () => {
  it('add (password from stdin), list, passwd, remove', async () => {
    const t = setup();
    t.passwords.push('cli-password-0001');
    expect(await t.run('add', 'chen', '--role', 'department', '--department', 'sh-water')).toBe(0);
    expect(t.out.pop()).toBe('added chen (department, department sh-water)');
    expect((await t.identity.login('chen', 'cli-password-0001', 'x')).ok).toBe(true);
    expect(await t.run('list')).toBe(0);
    expect(t.out).toEqual(['chen\tdepartment\tsh-water']);
    t.passwords.push('cli-password-0002');
    expect(await t.run('passwd', 'chen')).toBe(0);
    expect((await t.identity.login('chen', 'cli-password-0001', 'y')).ok).toBe(false);
    expect((await t.identity.login('chen', 'cli-password-0002', 'y')).ok).toBe(true);
    expect(await t.run('remove', 'chen')).toBe(0);
    expect(await t.run('remove', 'chen')).toBe(1);
    expect(readFileSync(t.path, 'utf8')).not.toContain('cli-password');
  });

  it('refuses a password on the command line, a short password, an unknown role, with a code', async () => {
    const t = setup();
    expect(await t.run('add', 'li', '--role', 'officer', '--password', 'cli-password-0003')).toBe(2);
    expect(t.err.pop()).toMatch(/--password is refused/);
    t.passwords.push('short');
    expect(await t.run('add', 'li', '--role', 'officer')).toBe(1);
    expect(t.err.pop()).toMatch(/^E_AUTH_INVALID_USER: a password needs at least 10/);
    expect(await t.run('add', 'li', '--role', 'mayor')).toBe(1);
    expect(t.err.pop()).toMatch(/^E_AUTH_INVALID_USER: unknown role mayor/);
    expect(await t.run('add', 'li')).toBe(2);
    expect(await t.run('frobnicate')).toBe(2);
    expect(await t.identity.listUsers()).toEqual([]);
  });

  it('screen-token creates the screen user once and prints a token that resolves to role screen', async () => {
    const t = setup();
    expect(await t.run('screen-token', 'wall-putuo')).toBe(0);
    const token = t.out.pop()!;
    expect(await t.identity.resolve(token, 'bearer')).toMatchObject({ username: 'wall-putuo', roles: ['screen'] });
    expect(await t.run('screen-token', 'wall-putuo')).toBe(0);
    expect(t.out.pop()).not.toBe(token);
    // not for a staff user
    t.passwords.push('cli-password-0004');
    await t.run('add', 'boss', '--role', 'admin');
    expect(await t.run('screen-token', 'boss')).toBe(1);
  });
});
