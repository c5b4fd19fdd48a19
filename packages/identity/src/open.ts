import { resolve } from 'node:path';
import type { UserDirectory } from './directory.js';
import { FileDirectory } from './file-directory.js';
import { RedisDirectory } from './redis-directory.js';
import { IdentityService, type IdentityOptions } from './service.js';

export interface DirectorySettings {
  REDIS_URL?: string | undefined;
  REDIS_KEY_PREFIX?: string | undefined;
  USERS_FILE?: string | undefined;
  SESSION_TTL_MINUTES?: number | undefined;
  SCREEN_TOKEN_TTL_DAYS?: number | undefined;
}

export const DEFAULT_USERS_FILE = '.cityops/users.json';

/** Redis (under `<REDIS_KEY_PREFIX>:identity:`) when REDIS_URL is set, else the JSON file USERS_FILE (default `.cityops/users.json`). */
export function openDirectory(settings: DirectorySettings): UserDirectory {
  if (settings.REDIS_URL) return new RedisDirectory(settings.REDIS_URL, settings.REDIS_KEY_PREFIX ?? 'cityops');
  return new FileDirectory(resolve(settings.USERS_FILE ?? DEFAULT_USERS_FILE));
}

export function openIdentity(
  settings: DirectorySettings,
  opts: Omit<IdentityOptions, 'directory'> = {},
): IdentityService {
  return new IdentityService({
    ...(settings.SESSION_TTL_MINUTES ? { sessionTtlMs: settings.SESSION_TTL_MINUTES * 60_000 } : {}),
    ...(settings.SCREEN_TOKEN_TTL_DAYS ? { screenTokenTtlMs: settings.SCREEN_TOKEN_TTL_DAYS * 86_400_000 } : {}),
    ...opts,
    directory: openDirectory(settings),
  });
}
