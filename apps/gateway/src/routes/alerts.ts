import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AuditEntry, CaseFilter, CaseView, SubmitResult } from '@cityops/alert-desk';
import type { CityPack } from '@cityops/city';
import {
  ALERT_TYPES,
  CASE_STATE_NAMES,
  ErrorCodes,
  isCityopsError,
  parseAlertAction,
  type AlertActionName,
  type DeskRole,
} from '@cityops/schema';
import { rankings } from './rankings.js';

/** 403 for the wrong role (the identity package's code) */
const FORBIDDEN = 'E_HTTP_FORBIDDEN';

/**
 * Who is asking, as the identity middleware (`@cityops/identity`) puts it on the request.
 * Structural, so this router depends on the shape only.
 */
export interface DeskIdentity {
  userId: string;
  username: string;
  roles: readonly string[];
  departmentId?: string;
}

/** What the routes need of the alert desk: `AlertDesk`, or a reader + client in another process. */
export interface DeskPort {
  submit(command: Record<string, unknown>): Promise<SubmitResult>;
  listCases(filter?: CaseFilter): Promise<CaseView[]>;
  getCase(id: string): Promise<CaseView | null>;
  audit(id: string): Promise<AuditEntry[]>;
}

export interface AlertsRouteOptions {
  desk: DeskPort;
  /** the authenticated identity of a request, or undefined (401) */
  identityOf: (req: Request) => DeskIdentity | undefined;
  pack: CityPack;
  /** wall clock (for the command's claimed `at`), for tests */
  now?: () => number;
  /** called with the case id after an accepted command (the cases channel re-reads it at once) */
  onAccepted?: (caseId: string) => void;
}

/** The URL action names; `confirm_clear` is also reachable as `confirm-clear`. */
export const ACTION_ROUTES = [
  'ack',
  'dispatch',
  'checkin',
  'resolve',
  'close',
  'comment',
  'escalate',
  'reassign',
  'merge',
  'reopen',
  'confirm_clear',
] as const satisfies readonly AlertActionName[];

const STAFF: readonly DeskRole[] = ['officer', 'supervisor', 'department', 'admin'];
/** who may read cases (the wall's screen token included), the audit, the rankings */
export const READ_ROLES: readonly DeskRole[] = ['screen', ...STAFF];
export const AUDIT_ROLES: readonly DeskRole[] = STAFF;

/**
 * Who may send which command, in the order a role is picked for the command's actor (the most
 * specific first). The desk checks the same again; refusing here means nothing is published.
 */
export const ACTION_ROLES: Record<AlertActionName, readonly DeskRole[]> = {
  ack: ['officer', 'supervisor', 'admin'],
  dispatch: ['officer', 'supervisor', 'admin'],
  close: ['officer', 'supervisor', 'admin'],
  escalate: ['officer', 'supervisor', 'admin'],
  merge: ['officer', 'supervisor', 'admin'],
  reopen: ['officer', 'supervisor', 'admin'],
  confirm_clear: ['officer', 'supervisor', 'admin'],
  reassign: ['supervisor', 'admin'],
  checkin: ['department', 'supervisor', 'admin'],
  resolve: ['department', 'supervisor', 'admin'],
  comment: ['officer', 'department', 'supervisor', 'admin'],
};

/** fields the server sets; a body that carries them is refused, so nobody believes they count */
const SERVER_FIELDS = ['v', 'commandId', 'caseId', 'actor', 'at', 'from', 'action'] as const;

const ListQuery = z
  .object({
    state: z
      .string()
      .max(200)
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(z.enum(CASE_STATE_NAMES)).min(1))
      .optional(),
    type: z.enum(ALERT_TYPES).optional(),
    district: z.string().min(1).max(200).optional(),
  })
  .strict();

const RankingsQuery = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'month=YYYY-MM') }).strict();

const CaseId = z.string().min(1).max(200);
const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,100}$/)
  .optional();

function fail(res: Response, status: number, code: string, message: string, extra: object = {}): void {
  res.status(status).json({ code, message, ...extra });
}

function zodReason(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

const isAdmin = (id: DeskIdentity) => id.roles.includes('admin');
const hasAny = (id: DeskIdentity, roles: readonly DeskRole[]) => isAdmin(id) || roles.some((r) => id.roles.includes(r));

/** a department user sees and acts on the cases sent to its department only */
function isDepartmentOnly(id: DeskIdentity): boolean {
  return !hasAny(id, ['officer', 'supervisor', 'screen']) && id.roles.includes('department');
}

function sentTo(c: CaseView, departmentId: string | undefined): boolean {
  if (!departmentId || !c.dispatch) return false;
  return c.dispatch.lead === departmentId || c.dispatch.assist.includes(departmentId);
}

/**
 * The alerts REST API (issue 10 part 5) over the alert desk. Every route needs an identity (401
 * `E_HTTP_UNAUTHORIZED`) with a role that may use it (403 `E_HTTP_FORBIDDEN`). A command's actor
 * is the identity, `from` the request's address, `at` the server's clock: never the body.
 * Answers: 200 with the case, 409 `E_DESK_VERSION_CONFLICT` with the current version and who acted
 * last, 404 `E_DESK_UNKNOWN_CASE`, 400 for a malformed body or query, 403 for the wrong role or
 * department (`E_HTTP_FORBIDDEN` / `E_DESK_FORBIDDEN_*`), 422 `E_DESK_NOT_ALLOWED` from this state,
 * 503 `E_DESK_DECISION_TIMEOUT` when the desk does not answer. A refused command is not written.
 */
export function alertsRoute(opts: AlertsRouteOptions): Router {
  const { desk, pack } = opts;
  const now = opts.now ?? Date.now;
  const router = express.Router();
  const json = express.json({ limit: '64kb' });

  /** 401 / 403 first; returns the identity when the request may go on */
  const door = (req: Request, res: Response, roles: readonly DeskRole[]): DeskIdentity | undefined => {
    const id = opts.identityOf(req);
    if (!id) {
      fail(res, 401, ErrorCodes.HTTP_UNAUTHORIZED, 'log in first (session cookie or Authorization: Bearer)');
      return undefined;
    }
    if (!hasAny(id, roles)) {
      fail(res, 403, FORBIDDEN, `this needs one of the roles ${roles.join(', ')}`);
      return undefined;
    }
    return id;
  };

  const visible = (id: DeskIdentity, c: CaseView) => !isDepartmentOnly(id) || sentTo(c, id.departmentId);

  router.get('/api/v1/alerts', async (req, res, next) => {
    const id = door(req, res, READ_ROLES);
    if (!id) return;
    const q = ListQuery.safeParse(req.query);
    if (!q.success) return fail(res, 400, ErrorCodes.HTTP_BAD_REQUEST, zodReason(q.error));
    try {
      const filter: CaseFilter = {
        ...(q.data.state ? { state: q.data.state } : {}),
        ...(q.data.type ? { type: q.data.type } : {}),
        ...(q.data.district ? { district: q.data.district } : {}),
      };
      const cases = (await desk.listCases(filter)).filter((c) => visible(id, c));
      res.json({ cases });
    } catch (err) {
      next(err);
    }
  });

  router.get('/api/v1/alerts/:id', async (req, res, next) => {
    const id = door(req, res, READ_ROLES);
    if (!id) return;
    try {
      const c = await readCase(req, res, id);
      if (c) res.json({ case: c });
    } catch (err) {
      next(err);
    }
  });

  router.get('/api/v1/alerts/:id/audit', async (req, res, next) => {
    const id = door(req, res, AUDIT_ROLES);
    if (!id) return;
    try {
      const c = await readCase(req, res, id);
      if (c) res.json({ caseId: c.id, entries: await desk.audit(c.id) });
    } catch (err) {
      next(err);
    }
  });

  router.get('/api/v1/rankings', async (req, res, next) => {
    const id = door(req, res, READ_ROLES);
    if (!id) return;
    const q = RankingsQuery.safeParse(req.query);
    if (!q.success) return fail(res, 400, ErrorCodes.HTTP_BAD_REQUEST, zodReason(q.error));
    try {
      res.json(rankings(await desk.listCases(), pack, q.data.month));
    } catch (err) {
      next(err);
    }
  });

  async function readCase(req: Request, res: Response, id: DeskIdentity): Promise<CaseView | undefined> {
    const caseId = CaseId.safeParse(req.params.id);
    if (!caseId.success) {
      fail(res, 400, ErrorCodes.HTTP_BAD_REQUEST, 'bad case id');
      return undefined;
    }
    const c = await desk.getCase(caseId.data);
    // a department asking for a case not sent to it hears the same as for an unknown one
    if (!c || !visible(id, c)) {
      fail(res, 404, ErrorCodes.DESK_UNKNOWN_CASE, `no case ${caseId.data}`);
      return undefined;
    }
    return c;
  }

  for (const action of ACTION_ROUTES) {
    const paths = [`/api/v1/alerts/:id/${action}`];
    if (action.includes('_')) paths.push(`/api/v1/alerts/:id/${action.replace('_', '-')}`);
    router.post(paths, async (req, res, next) => {
      const allowed = ACTION_ROLES[action];
      const id = door(req, res, allowed);
      if (!id) return;
      // the body is read only after the door, so an anonymous client cannot make us parse anything
      json(req, res, async (err?: unknown) => {
        if (err) return next(err);
        try {
          await command(req, res, id, action, allowed);
        } catch (e) {
          next(e);
        }
      });
    });
  }

  async function command(
    req: Request,
    res: Response,
    id: DeskIdentity,
    action: AlertActionName,
    allowed: readonly DeskRole[],
  ): Promise<void> {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail(res, 400, ErrorCodes.HTTP_BAD_REQUEST, 'the body must be a JSON object with expectedVersion');
    }
    const named = SERVER_FIELDS.filter((f) => f in body);
    if (named.length > 0) {
      return fail(
        res,
        400,
        ErrorCodes.HTTP_BAD_REQUEST,
        `${named.join(', ')}: set by the server from your login and request, not by the body`,
      );
    }
    const key = IdempotencyKey.safeParse(req.get('idempotency-key') ?? undefined);
    if (!key.success) {
      return fail(res, 400, ErrorCodes.HTTP_BAD_REQUEST, 'Idempotency-Key: 8 to 100 of A-Z a-z 0-9 . _ : -');
    }
    const caseId = CaseId.safeParse(req.params.id);
    if (!caseId.success) return fail(res, 400, ErrorCodes.HTTP_BAD_REQUEST, 'bad case id');
    // the most specific role of the identity that may do this (admin only when nothing else fits)
    const role = allowed.find((r) => r !== 'admin' && id.roles.includes(r)) ?? 'admin';
    const cmd: Record<string, unknown> = {
      ...(body as Record<string, unknown>),
      v: 1,
      action,
      commandId: key.data ? `${id.userId}:${key.data}` : randomUUID(),
      caseId: caseId.data,
      actor: {
        userId: id.userId,
        name: id.username,
        role,
        ...(id.departmentId ? { departmentId: id.departmentId } : {}),
      },
      at: new Date(now()).toISOString(),
      from: (req.ip ?? req.socket.remoteAddress ?? 'unknown').slice(0, 200),
    };
    const parsed = parseAlertAction(cmd);
    if (!parsed.ok) return fail(res, 400, ErrorCodes.DESK_INVALID_COMMAND, parsed.reason);

    // checks that need the case: answered here, so a refused command is never published
    const current = await desk.getCase(caseId.data);
    if (!current) return fail(res, 404, ErrorCodes.DESK_UNKNOWN_CASE, `no case ${caseId.data}`);
    if (role === 'department') {
      const a = parsed.action;
      const own = id.departmentId;
      if (!sentTo(current, own)) {
        return fail(res, 403, ErrorCodes.DESK_FORBIDDEN_DEPARTMENT, 'this case was not sent to your department');
      }
      if ((a.action === 'checkin' || a.action === 'resolve') && a.departmentId !== own) {
        return fail(res, 403, ErrorCodes.DESK_FORBIDDEN_DEPARTMENT, `you act for ${own ?? 'no department'} only`);
      }
    }

    let result: SubmitResult;
    try {
      result = await desk.submit(cmd);
    } catch (err) {
      if (isCityopsError(err) && err.code === ErrorCodes.DESK_DECISION_TIMEOUT) {
        res.setHeader('Retry-After', '2');
        return fail(res, 503, err.code, err.message);
      }
      throw err;
    }
    if (result.ok) {
      opts.onAccepted?.(result.case.id);
      res.json({ case: result.case, ...(result.decision.duplicate ? { duplicate: true } : {}) });
      return;
    }
    if (result.conflict) {
      const by = result.current.lastActor;
      return fail(
        res,
        409,
        result.code,
        `someone acted first: the case is at version ${result.current.version}` +
          (by ? `, last changed by ${by.name ?? by.userId}` : ''),
        { current: result.current },
      );
    }
    const status =
      result.code === ErrorCodes.DESK_UNKNOWN_CASE
        ? 404
        : result.code === ErrorCodes.DESK_FORBIDDEN_ROLE || result.code === ErrorCodes.DESK_FORBIDDEN_DEPARTMENT
          ? 403
          : result.code === ErrorCodes.DESK_NOT_ALLOWED
            ? 422
            : 400;
    fail(res, status, result.code, result.reason);
  }

  return router;
}
