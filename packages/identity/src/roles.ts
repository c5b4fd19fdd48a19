import { z } from 'zod';

/** The roles of issue 10: wall screens, duty officers, supervisors, departments, the data team, admins. */
export const ROLES = ['screen', 'officer', 'supervisor', 'department', 'data', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);

/** Every role that is a person at work (everyone but a wall screen). */
export const STAFF_ROLES: readonly Role[] = ['officer', 'supervisor', 'department', 'data', 'admin'];

/** Who a request or a socket is, once `authenticate` / `socketAuth` has found out. */
export interface Identity {
  userId: string;
  username: string;
  roles: Role[];
  departmentId?: string;
  via: 'cookie' | 'bearer' | 'api-key';
}

/** True when `identity` holds one of `allowed`; `admin` passes every check. */
export function hasRole(identity: Pick<Identity, 'roles'>, allowed: readonly Role[]): boolean {
  return identity.roles.includes('admin') || identity.roles.some((r) => allowed.includes(r));
}

export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const DEPARTMENT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/i;
