import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_ACTIONS } from '@cityops/schema';
import { call } from '../test/alerts-api-suite.js';
import { startDeskGateway, type DeskGateway } from '../test/desk-gateway.js';
import { ACTION_ROUTES, ACTION_ROLES } from './alerts.js';

/** Every alerts route, with the roles of the test users that must be refused (403). */
const ROUTES: Array<{ method: 'GET' | 'POST'; path: string; forbidden: string[] }> = [
  { method: 'GET', path: '/api/v1/alerts', forbidden: ['tok-data'] },
  { method: 'GET', path: '/api/v1/alerts/door-1', forbidden: ['tok-data'] },
  { method: 'GET', path: '/api/v1/alerts/door-1/audit', forbidden: ['tok-data', 'tok-screen'] },
  { method: 'GET', path: '/api/v1/rankings?month=2026-01', forbidden: ['tok-data'] },
  ...ACTION_ROUTES.map((action) => ({
    method: 'POST' as const,
    path: `/api/v1/alerts/door-1/${action}`,
    forbidden: [
      'tok-data',
      'tok-screen',
      ...(ACTION_ROLES[action].includes('officer') ? [] : ['tok-zhang']),
      ...(ACTION_ROLES[action].includes('department') ? [] : ['tok-traffic']),
    ],
  })),
];

describe('the doors of the alerts API', () => {
  let gw: DeskGateway;
  beforeAll(async () => {
    gw = await startDeskGateway();
    await gw.raise('door-1');
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('the table covers every command of the desk', () => {
    expect([...ACTION_ROUTES].sort()).toEqual([...ALERT_ACTIONS].sort());
  });

  it.each(ROUTES)('$method $path: 401 without identity, 403 for the wrong role, nothing written', async (r) => {
    const body = r.method === 'POST' ? { expectedVersion: 1 } : undefined;
    const anon = await call(gw.url, r.method, r.path, undefined, body);
    expect(anon.status).toBe(401);
    expect(anon.body.code).toBe('E_HTTP_UNAUTHORIZED');
    const bad = await call(gw.url, r.method, r.path, 'tok-unknown', body);
    expect(bad.status).toBe(401);
    for (const token of r.forbidden) {
      const res = await call(gw.url, r.method, r.path, token, body);
      expect(res.status, `${token}: ${JSON.stringify(res.body)}`).toBe(403);
      expect(res.body.code).toBe('E_HTTP_FORBIDDEN');
    }
    const c = await gw.desk.getCase('door-1');
    expect(c?.version).toBe(1);
    expect(await gw.desk.audit('door-1')).toHaveLength(1);
  });

  it('confirm_clear is also reachable as confirm-clear', async () => {
    const res = await call(gw.url, 'POST', '/api/v1/alerts/door-1/confirm-clear', undefined, { expectedVersion: 1 });
    expect(res.status).toBe(401);
  });
});
