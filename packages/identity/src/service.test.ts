import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCityopsError } from '@cityops/schema';
import { FileDirectory } from './file-directory.js';
import { hashPassword, safeEqual, verifyPassword } from './password.js';
import { IdentityService } from './service.js';
import { tokenHash } from './tokens.js';

const FAST = { log2N: 10, r: 8, p: 1 };
const tmpFile = () => join(mkdtempSync(join(tmpdir(), 'cityops-id-')), 'sub', 'users.json');

function service(path = tmpFile(), now = () => Date.now()) {
  return new IdentityService({ directory: new FileDirectory(path, now), kdf: FAST, now });
}

describe('passwords (scrypt)', () => {
  it('hashes with a per-user salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery', FAST);
    const b = await hashPassword('correct horse battery', FAST);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterz', a)).toBe(false);
    expect(await verifyPassword('anything', 'not-a-hash')).toBe(false);
  });

  it('uses the default cost N=2^15 r=8 p=1 when none is given', async () => {
    expect(await hashPassword('a long enough password')).toMatch(/^scrypt\$15\$8\$1\$/);
  });

  it('compares of different lengths are unequal, equal bytes equal', () => {
    expect(safeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
    expect(safeEqual(Buffer.from('abcd'), Buffer.from('abcd'))).toBe(true);
    expect(safeEqual(Buffer.from('abcd'), Buffer.from('abce'))).toBe(false);
  });
});

describe('IdentityService on the file directory', () => {
  it('logs in, resolves the token to the current roles, logs out', async () => {
    const path = tmpFile();
    const id = service(path);
    await id.addUser({ username: 'li.officer', roles: ['officer'], password: 'pass-word-0001' });
    const r = await id.login('li.officer', 'pass-word-0001', '10.0.0.1');
    if (!r.ok) throw new Error(`login failed: ${r.code}`);
    expect(r.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.user).toEqual({ username: 'li.officer', roles: ['officer'] });
    const who = await id.resolve(r.token, 'bearer');
    expect(who).toMatchObject({ username: 'li.officer', roles: ['officer'], via: 'bearer' });
    // stored hashed, file mode 0600, and no password or token in it
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(tokenHash(r.token));
    expect(text).not.toContain(r.token);
    expect(text).not.toContain('pass-word-0001');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await id.revoke(r.token);
    expect(await id.resolve(r.token, 'bearer')).toBeUndefined();
  });

  it('answers bad credentials alike for a wrong password and an unknown user', async () => {
    const id = service();
    await id.addUser({ username: 'wang', roles: ['supervisor'], password: 'pass-word-0002' });
    expect(await id.login('wang', 'wrong-password', 'a')).toEqual({ ok: false, code: 'E_AUTH_BAD_CREDENTIALS' });
    expect(await id.login('nobody', 'pass-word-0002', 'a')).toEqual({ ok: false, code: 'E_AUTH_BAD_CREDENTIALS' });
    // both ran the KDF once (the unknown name against a dummy hash), so neither answers faster
    expect(id.stats).toMatchObject({ logins: 2, badCredentials: 2, kdfRuns: 2, succeeded: 0 });
  });

  it('expires sessions by the clock', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const id = service(tmpFile(), () => t);
    await id.addUser({ username: 'zhao', roles: ['data'], password: 'pass-word-0003' });
    const r = await id.login('zhao', 'pass-word-0003', 'a');
    if (!r.ok) throw new Error('login failed');
    t += id.sessionTtlMs - 1;
    expect(await id.resolve(r.token, 'cookie')).toBeDefined();
    t += 2;
    expect(await id.resolve(r.token, 'cookie')).toBeUndefined();
  });

  it('rate-limits logins per user name, without running the KDF', async () => {
    const id = service();
    await id.addUser({ username: 'qian', roles: ['officer'], password: 'pass-word-0004' });
    for (let i = 0; i < 5; i++) expect((await id.login('qian', 'nope-nope-nope', `10.0.0.${i}`)).ok).toBe(false);
    const limited = await id.login('qian', 'pass-word-0004', '10.0.0.99');
    expect(limited).toMatchObject({ ok: false, code: 'E_AUTH_RATE_LIMITED' });
    expect(id.stats).toMatchObject({ logins: 6, rateLimited: 1, kdfRuns: 5 });
    // another user from the same address is not blocked by qian's bucket
    await id.addUser({ username: 'sun', roles: ['officer'], password: 'pass-word-0005' });
    expect((await id.login('sun', 'pass-word-0005', '10.0.0.99')).ok).toBe(true);
  });

  it('rate-limits logins per address across user names', async () => {
    const id = service();
    for (let i = 0; i < 20; i++) await id.login(`user${i}`, 'whatever-pass', '192.0.2.7');
    expect(await id.login('user99', 'whatever-pass', '192.0.2.7')).toMatchObject({ code: 'E_AUTH_RATE_LIMITED' });
    expect(await id.login('user99', 'whatever-pass', '192.0.2.8')).toMatchObject({ code: 'E_AUTH_BAD_CREDENTIALS' });
  });

  it('issues screen tokens only to screen users, and they carry only the screen role', async () => {
    const id = service();
    await id.addUser({ username: 'wall-1', roles: ['screen'] });
    await id.addUser({ username: 'boss', roles: ['admin'], password: 'pass-word-0006' });
    const { token } = await id.issueScreenToken('wall-1');
    expect(await id.resolve(token, 'bearer')).toMatchObject({ username: 'wall-1', roles: ['screen'] });
    await expect(id.issueScreenToken('boss')).rejects.toSatisfy((e) => isCityopsError(e, 'E_AUTH_INVALID_USER'));
    // a screen user has no password: it can never log in
    expect(await id.login('wall-1', 'anything-at-all', 'a')).toMatchObject({ code: 'E_AUTH_BAD_CREDENTIALS' });
  });

  it('refuses bad users with a code', async () => {
    const id = service();
    const bad = [
      { username: 'Bad Name', roles: ['officer'], password: 'pass-word-0007' },
      { username: 'ok', roles: ['officer'], password: 'short' },
      { username: 'ok', roles: ['officer'] },
      { username: 'ok', roles: ['department'], password: 'pass-word-0007' },
      { username: 'ok', roles: ['screen', 'admin'] },
      { username: 'ok', roles: ['mayor'], password: 'pass-word-0007' },
      { username: 'ok', roles: [], password: 'pass-word-0007' },
    ] as const;
    for (const u of bad)
      await expect(id.addUser(u as never), JSON.stringify(u)).rejects.toSatisfy((e) =>
        isCityopsError(e, 'E_AUTH_INVALID_USER'),
      );
    await id.addUser({ username: 'ok', roles: ['officer'], password: 'pass-word-0007' });
    await expect(id.addUser({ username: 'ok', roles: ['officer'], password: 'pass-word-0007' })).rejects.toSatisfy(
      (e) => isCityopsError(e, 'E_AUTH_USER_EXISTS'),
    );
  });

  it('removing a user or changing its password ends its sessions; a re-added name does not inherit them', async () => {
    const path = tmpFile();
    const id = service(path);
    await id.addUser({ username: 'zhou', roles: ['officer'], password: 'pass-word-0008' });
    const a = await id.login('zhou', 'pass-word-0008', 'a');
    if (!a.ok) throw new Error('login failed');
    await id.setPassword('zhou', 'pass-word-0009');
    expect(await id.resolve(a.token, 'bearer')).toBeUndefined();
    const b = await id.login('zhou', 'pass-word-0009', 'a');
    if (!b.ok) throw new Error('login failed');
    // a second process (the CLI) sees and changes the same file
    const cli = service(path);
    expect(await cli.removeUser('zhou')).toBe(true);
    expect(await id.resolve(b.token, 'bearer')).toBeUndefined();
  });
});
