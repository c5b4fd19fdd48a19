import { randomPassword } from './password.js';
import type { IdentityService } from './service.js';

export const FIRST_ADMIN = 'admin';
export const DEFAULT_SCREEN_USER = 'wall';

export interface FirstStart {
  /** set only when this call created the first admin: shown once, stored only as a hash */
  adminPassword?: string;
  /** a fresh screen token for the wall user (created when missing), for the URL the launcher prints */
  screenToken: string;
}

/**
 * Embedded mode's first start: when no user exists, creates `admin` with a random one-time
 * password (returned, for the terminal only). Every start makes sure the screen user `wall`
 * exists and issues it a new screen token, so `npm start` prints a URL that opens the wall.
 */
export async function prepareFirstStart(
  identity: IdentityService,
  screenUser = DEFAULT_SCREEN_USER,
): Promise<FirstStart> {
  const users = await identity.listUsers();
  let adminPassword: string | undefined;
  if (users.length === 0) {
    adminPassword = randomPassword();
    await identity.addUser({ username: FIRST_ADMIN, roles: ['admin'], password: adminPassword });
  }
  if (!users.some((u) => u.username === screenUser))
    await identity.addUser({ username: screenUser, roles: ['screen'] }).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'E_AUTH_USER_EXISTS') throw err;
    });
  const { token } = await identity.issueScreenToken(screenUser);
  return { ...(adminPassword ? { adminPassword } : {}), screenToken: token };
}
