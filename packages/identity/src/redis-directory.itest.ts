import { afterAll, describe, expect, it } from 'vitest';
import { deleteByPrefix, realInfra, uniqueName } from '@cityops/testkit';
import { prepareFirstStart } from './bootstrap.js';
import { RedisDirectory } from './redis-directory.js';
import { IdentityService } from './service.js';

const { redisUrl } = realInfra();
const prefix = uniqueName('itest-identity');
afterAll(async () => {
  await deleteByPrefix(redisUrl, prefix);
});

describe('RedisDirectory (real Redis)', () => {
  it('users, sessions, expiry by Redis, revocation, removal, as a second process sees them', async () => {
    let t = Date.now();
    const a = new IdentityService({
      directory: new RedisDirectory(redisUrl, prefix, () => t),
      kdf: { log2N: 10, r: 8, p: 1 },
      now: () => t,
      sessionTtlMs: 60_000,
    });
    const b = new IdentityService({ directory: new RedisDirectory(redisUrl, prefix), kdf: { log2N: 10, r: 8, p: 1 } });
    try {
      await a.addUser({ username: 'ops1', roles: ['officer', 'supervisor'], password: 'redis-pass-0001' });
      await expect(
        b.addUser({ username: 'ops1', roles: ['officer'], password: 'redis-pass-0001' }),
      ).rejects.toMatchObject({
        code: 'E_AUTH_USER_EXISTS',
      });
      expect(await b.listUsers()).toEqual([{ username: 'ops1', roles: ['officer', 'supervisor'] }]);
      const r = await a.login('ops1', 'redis-pass-0001', 'x');
      if (!r.ok) throw new Error('login failed');
      expect(await b.resolve(r.token, 'bearer')).toMatchObject({ username: 'ops1', roles: ['officer', 'supervisor'] });
      t += 60_001;
      expect(await a.resolve(r.token, 'bearer')).toBeUndefined();
      t = Date.now();
      const r2 = await a.login('ops1', 'redis-pass-0001', 'x');
      if (!r2.ok) throw new Error('login failed');
      await b.revoke(r2.token);
      expect(await a.resolve(r2.token, 'bearer')).toBeUndefined();
      const r3 = await a.login('ops1', 'redis-pass-0001', 'x');
      if (!r3.ok) throw new Error('login failed');
      expect(await b.removeUser('ops1')).toBe(true);
      expect(await a.resolve(r3.token, 'bearer')).toBeUndefined();
      // first start on an empty directory: an admin with a one-time password and a wall token
      const first = await prepareFirstStart(a);
      expect(first.adminPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect((await b.login('admin', first.adminPassword!, 'y')).ok).toBe(true);
      expect(await b.resolve(first.screenToken, 'bearer')).toMatchObject({ username: 'wall', roles: ['screen'] });
      const again = await prepareFirstStart(a);
      expect(again.adminPassword).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
