import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDeskGateway, type DeskGateway, type DeskGatewayOptions } from './desk-gateway.js';

export interface ApiAnswer {
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  token?: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

const here = { lon: 121.44, lat: 31.24 };

/**
 * The alerts API end to end on one backend: the ack race over HTTP, the whole closed loop by the
 * roles that may do each step, and refusals that write nothing.
 */
export function alertsApiSuite(name: string, open: () => Promise<DeskGatewayOptions>): void {
  describe(`the alerts API on ${name}`, () => {
    let gw: DeskGateway;
    const api = (method: 'GET' | 'POST', path: string, token?: string, body?: unknown) =>
      call(gw.url, method, path, token, body);

    beforeEach(async () => {
      gw = await startDeskGateway(await open());
    });
    afterEach(async () => {
      await gw?.close();
    });

    it('two officers racing the same ack: exactly one 200, the other 409 naming the winner', async () => {
      for (const id of ['race-1', 'race-2', 'race-3']) {
        await gw.raise(id);
        const [a, b] = await Promise.all([
          api('POST', `/api/v1/alerts/${id}/ack`, 'tok-zhang', { expectedVersion: 1, note: '我来处理' }),
          api('POST', `/api/v1/alerts/${id}/ack`, 'tok-wang', { expectedVersion: 1 }),
        ]);
        const statuses = [a.status, b.status].sort();
        expect(statuses).toEqual([200, 409]);
        const winner = a.status === 200 ? a : b;
        const loser = a.status === 200 ? b : a;
        const winnerName = winner === a ? 'zhang' : 'wang';
        expect(winner.body.case.state).toBe('acknowledged');
        expect(winner.body.case.version).toBe(2);
        expect(winner.body.case.ack.by.name).toBe(winnerName);
        expect(loser.body.code).toBe('E_DESK_VERSION_CONFLICT');
        expect(loser.body.current.version).toBe(2);
        expect(loser.body.current.lastActor.name).toBe(winnerName);
        expect(loser.body.message).toContain(winnerName);
        // one ack in the trail, by the winner
        const trail = await api('GET', `/api/v1/alerts/${id}/audit`, 'tok-zhang');
        expect(trail.body.entries.filter((e: { action: string }) => e.action === 'ack')).toHaveLength(1);
      }
    });

    it('the closed loop over HTTP: ack, dispatch 应急, check-in and resolve by the department, close', async () => {
      await gw.raise('loop-1');
      const ack = await api('POST', '/api/v1/alerts/loop-1/ack', 'tok-zhang', { expectedVersion: 1 });
      expect(ack.status).toBe(200);
      const dispatch = await api('POST', '/api/v1/alerts/loop-1/dispatch', 'tok-zhang', {
        expectedVersion: ack.body.case.version,
        level: 'emergency',
        lead: 'dept-traffic-police',
        assist: ['dept-chengguan'],
      });
      expect(dispatch.status).toBe(200);
      expect(dispatch.body.case.dispatch.archiveNo).toMatch(/^SH-\d{4}-\d+-\d{6}$/);
      let v = dispatch.body.case.version as number;

      // the department sees its whistle, and only what was sent to it
      const mine = await api('GET', '/api/v1/alerts', 'tok-traffic');
      expect(mine.status).toBe(200);
      expect(mine.body.cases.map((c: { id: string }) => c.id)).toEqual(['loop-1']);

      // checking in for another department is refused and writes nothing
      const before = await api('GET', '/api/v1/alerts/loop-1/audit', 'tok-zhang');
      const foreign = await api('POST', '/api/v1/alerts/loop-1/checkin', 'tok-traffic', {
        expectedVersion: v,
        departmentId: 'dept-chengguan',
        position: here,
      });
      expect(foreign.status).toBe(403);
      expect(foreign.body.code).toBe('E_DESK_FORBIDDEN_DEPARTMENT');
      const after = await api('GET', '/api/v1/alerts/loop-1/audit', 'tok-zhang');
      expect(after.body.entries).toEqual(before.body.entries);

      for (const [token, departmentId] of [
        ['tok-traffic', 'dept-traffic-police'],
        ['tok-cg', 'dept-chengguan'],
      ] as const) {
        const ci = await api('POST', '/api/v1/alerts/loop-1/checkin', token, {
          expectedVersion: v,
          departmentId,
          position: here,
        });
        expect(ci.status, JSON.stringify(ci.body)).toBe(200);
        v = ci.body.case.version;
      }
      const onSite = await api('GET', '/api/v1/alerts/loop-1', 'tok-zhang');
      expect(onSite.body.case.state).toBe('on_site');
      const resolve = await api('POST', '/api/v1/alerts/loop-1/resolve', 'tok-traffic', {
        expectedVersion: v,
        departmentId: 'dept-traffic-police',
        notes: '车辆已驶离，道路恢复通行',
        whistleRating: 5,
      });
      expect(resolve.status, JSON.stringify(resolve.body)).toBe(200);
      const close = await api('POST', '/api/v1/alerts/loop-1/close', 'tok-zhang', {
        expectedVersion: resolve.body.case.version,
        feedback: '已处置完毕，感谢反映',
        handlingRating: 4,
      });
      expect(close.status, JSON.stringify(close.body)).toBe(200);
      expect(close.body.case.state).toBe('closed');

      const trail = await api('GET', '/api/v1/alerts/loop-1/audit', 'tok-li');
      const steps = trail.body.entries.map((e: { action: string; actor: { userId: string }; from: string }) => [
        e.action,
        e.actor.userId,
      ]);
      expect(steps).toEqual([
        ['raised', 'system'],
        ['ack', 'u-zhang'],
        ['dispatch', 'u-zhang'],
        ['checkin', 'u-traffic'],
        ['checkin', 'u-cg'],
        ['resolve', 'u-traffic'],
        ['close', 'u-zhang'],
      ]);
      // from where: the request's address, never the body
      expect(trail.body.entries[1].from).toMatch(/127\.0\.0\.1/);

      // the month's 红黑榜 comes from this record
      const month = new Intl.DateTimeFormat('en-CA', {
        timeZone: gw.pack.meta.timeZone ?? 'Asia/Shanghai',
        year: 'numeric',
        month: '2-digit',
      })
        .format(new Date(dispatch.body.case.dispatch.at))
        .slice(0, 7);
      const r = await api('GET', `/api/v1/rankings?month=${month}`, 'tok-zhang');
      expect(r.status).toBe(200);
      expect(r.body.cases).toBe(1);
      const tp = r.body.departments.find((d: { id: string }) => d.id === 'dept-traffic-police');
      expect(tp).toMatchObject({ cases: 1, checkins: 1, onTimeCheckinRate: 1, resolved: 1, reopenRate: 0 });
      expect(tp.handlingRating).toBe(4);
      const street = r.body.streets[0];
      expect(street.whistleRating).toBe(5);
      const other = await api('GET', '/api/v1/rankings?month=2001-01', 'tok-zhang');
      expect(other.body).toMatchObject({ cases: 0, departments: [], streets: [] });
    });

    it('bad input: unknown case 404, stale version 409, not allowed 422, malformed 400, body actor 400; nothing written', async () => {
      await gw.raise('bad-1');
      const trail = async () => (await api('GET', '/api/v1/alerts/bad-1/audit', 'tok-zhang')).body.entries;
      const before = await trail();
      const unknown = await api('POST', '/api/v1/alerts/nope/ack', 'tok-zhang', { expectedVersion: 1 });
      expect(unknown).toMatchObject({ status: 404, body: { code: 'E_DESK_UNKNOWN_CASE' } });
      expect((await api('GET', '/api/v1/alerts/nope', 'tok-zhang')).status).toBe(404);
      expect((await api('GET', '/api/v1/alerts/nope/audit', 'tok-zhang')).status).toBe(404);
      const stale = await api('POST', '/api/v1/alerts/bad-1/ack', 'tok-zhang', { expectedVersion: 7 });
      expect(stale).toMatchObject({ status: 409, body: { code: 'E_DESK_VERSION_CONFLICT', current: { version: 1 } } });
      const early = await api('POST', '/api/v1/alerts/bad-1/close', 'tok-zhang', {
        expectedVersion: 1,
        feedback: 'x',
        handlingRating: 3,
      });
      expect(early).toMatchObject({ status: 422, body: { code: 'E_DESK_NOT_ALLOWED' } });
      const noVersion = await api('POST', '/api/v1/alerts/bad-1/ack', 'tok-zhang', {});
      expect(noVersion).toMatchObject({ status: 400, body: { code: 'E_DESK_INVALID_COMMAND' } });
      expect(noVersion.body.message).toContain('expectedVersion');
      const badLevel = await api('POST', '/api/v1/alerts/bad-1/dispatch', 'tok-zhang', {
        expectedVersion: 1,
        level: 'urgent',
        lead: 'dept-traffic-police',
      });
      expect(badLevel).toMatchObject({ status: 400, body: { code: 'E_DESK_INVALID_COMMAND' } });
      const notJson = await api('POST', '/api/v1/alerts/bad-1/ack', 'tok-zhang', '{"expectedVersion":');
      expect(notJson.status).toBe(400);
      const array = await api('POST', '/api/v1/alerts/bad-1/ack', 'tok-zhang', [1]);
      expect(array).toMatchObject({ status: 400, body: { code: 'E_HTTP_BAD_REQUEST' } });
      const spoof = await api('POST', '/api/v1/alerts/bad-1/ack', 'tok-zhang', {
        expectedVersion: 1,
        actor: { userId: 'u-li', role: 'supervisor' },
      });
      expect(spoof).toMatchObject({ status: 400, body: { code: 'E_HTTP_BAD_REQUEST' } });
      expect(spoof.body.message).toContain('actor');
      const list = await api('GET', '/api/v1/alerts?state=bogus', 'tok-zhang');
      expect(list).toMatchObject({ status: 400, body: { code: 'E_HTTP_BAD_REQUEST' } });
      const month = await api('GET', '/api/v1/rankings?month=2026-13', 'tok-zhang');
      expect(month).toMatchObject({ status: 400, body: { code: 'E_HTTP_BAD_REQUEST' } });
      // a department may not act on a case not sent to it
      const dep = await api('POST', '/api/v1/alerts/bad-1/comment', 'tok-traffic', { expectedVersion: 1, text: 'hi' });
      expect(dep).toMatchObject({ status: 403, body: { code: 'E_DESK_FORBIDDEN_DEPARTMENT' } });
      expect(await trail()).toEqual(before);
      const c = await api('GET', '/api/v1/alerts/bad-1', 'tok-zhang');
      expect(c.body.case.version).toBe(1);
      // filters
      const raised = await api('GET', '/api/v1/alerts?state=raised,acknowledged&type=road_blockage', 'tok-screen');
      expect(raised.body.cases.map((x: { id: string }) => x.id)).toContain('bad-1');
      const elsewhere = await api('GET', '/api/v1/alerts?district=sh-nowhere', 'tok-zhang');
      expect(elsewhere.body.cases).toEqual([]);
    });
  });
}
