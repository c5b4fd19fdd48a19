import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDirectory, IdentityService, type Role } from '@cityops/identity';

/** scrypt at a low cost, for tests only (the product's default is N 2^15) */
export const TEST_KDF = { log2N: 10, r: 8, p: 1 };
export const TEST_PASSWORD = 'test-password-0001';

/** An identity service on a fresh users file in a temporary directory. */
export function testIdentity(
  loginLimits?: ConstructorParameters<typeof IdentityService>[0]['loginLimits'],
): IdentityService {
  const dir = mkdtempSync(join(tmpdir(), 'cityops-gw-id-'));
  return new IdentityService({
    directory: new FileDirectory(join(dir, 'users.json')),
    kdf: TEST_KDF,
    ...(loginLimits ? { loginLimits } : {}),
  });
}

let n = 0;
/**
 * A bearer token with exactly `role`: a screen token for `screen`, else a session of a new user
 * (password TEST_PASSWORD; `department` users belong to `departmentId`).
 */
export async function tokenFor(identity: IdentityService, role: Role, departmentId = 'dept-test'): Promise<string> {
  const username = `t-${role}-${++n}-${process.pid}`;
  if (role === 'screen') {
    await identity.addUser({ username, roles: ['screen'] });
    return (await identity.issueScreenToken(username)).token;
  }
  await identity.addUser({
    username,
    roles: [role],
    password: TEST_PASSWORD,
    ...(role === 'department' ? { departmentId } : {}),
  });
  const r = await identity.login(username, TEST_PASSWORD, `test-${username}`);
  if (!r.ok) throw new Error(`test login failed: ${r.code}`);
  return r.token;
}
