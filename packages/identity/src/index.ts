export { ROLES, STAFF_ROLES, RoleSchema, hasRole, type Role, type Identity } from './roles.js';
export {
  hashPassword,
  verifyPassword,
  safeEqual,
  randomPassword,
  passwordProblem,
  DEFAULT_SCRYPT,
  MIN_PASSWORD_CHARS,
  type ScryptParams,
} from './password.js';
export { newToken, tokenHash } from './tokens.js';
export type { UserDirectory, UserRecord, SessionRecord } from './directory.js';
export { FileDirectory } from './file-directory.js';
export { RedisDirectory } from './redis-directory.js';
export { KeyedBuckets, LoginLimiter, DEFAULT_LOGIN_LIMITS, type LoginLimits } from './rate-limit.js';
export {
  IdentityService,
  publicUser,
  DEFAULT_SESSION_TTL_MS,
  DEFAULT_SCREEN_TOKEN_TTL_MS,
  type IdentityOptions,
  type NewUser,
  type PublicUser,
  type LoginResult,
} from './service.js';
export {
  authenticate,
  requireRole,
  socketAuth,
  stillValid,
  identityOf,
  identify,
  apiKeyIdentities,
  readCookie,
  HandshakeError,
  SESSION_COOKIE,
  type AuthOptions,
  type ApiKeyIdentity,
  type HandshakeSocket,
  type Presented,
} from './middleware.js';
export { authRoutes, type AuthRoutesOptions } from './routes.js';
export { openDirectory, openIdentity, DEFAULT_USERS_FILE, type DirectorySettings } from './open.js';
export { prepareFirstStart, FIRST_ADMIN, DEFAULT_SCREEN_USER, type FirstStart } from './bootstrap.js';
