import express, { type Router } from 'express';
import { z } from 'zod';
import {
  MONTH_PATTERN,
  ROLLING_PERIOD,
  hotlineGroups,
  kpiNamesOf,
  monthOf,
  readKpis,
  readRankings,
  type KpiPack,
  type KpiSource,
} from '@cityops/hotline-kpis';
import { requireRole, type Role } from '@cityops/identity';
import { ErrorCodes } from '@cityops/schema';
import type { Store } from '@cityops/store';

export interface HotlineRouteOptions {
  pack: KpiPack;
  /** the aggregator's group: the KPI stages' groups are named after it */
  aggregatorGroup: string;
  /** where the month and rolling counters are read (distributed: the gateway's Redis store; embedded: the aggregator's stores) */
  stores: { month: Store; rolling: Store };
  minReceived: number;
  /** who may read (a wall screen's token and any logged-in role) */
  roles: readonly Role[];
  /** the wall clock, for the default month (tests) */
  now?: () => number;
}

const month = z.string().regex(MONTH_PATTERN, 'month must be YYYY-MM');
const KpisQuery = z
  .object({
    month: month.optional(),
    period: z.literal(ROLLING_PERIOD).optional(),
    level: z.enum(['city', 'district', 'street']).default('district'),
  })
  .strict()
  .refine((q) => !(q.month && q.period), { message: 'give month or period=rolling-24h, not both' });
const RankingsQuery = z
  .object({ month: month.optional(), level: z.enum(['street', 'district']).default('street') })
  .strict();

function badRequest(res: express.Response, error: z.ZodError): void {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  res
    .status(400)
    .json({ code: ErrorCodes.HTTP_BAD_REQUEST, message: `${where}${issue?.message ?? 'bad query'}`.slice(0, 200) });
}

/**
 * 接诉即办 KPIs and 红黑榜 from the aggregator's counters (packages/hotline-kpis):
 * `GET /api/v1/hotline/kpis?month=YYYY-MM|period=rolling-24h&level=city|district|street` and
 * `GET /api/v1/hotline/rankings?month=YYYY-MM&level=street|district`. The month defaults to the
 * current one in the pack's time zone. `X-Cityops-Rebuilding: true` while the stage is catching up.
 */
export function hotlineRoute(o: HotlineRouteOptions): Router {
  const router = express.Router();
  const groups = hotlineGroups(o.aggregatorGroup);
  const tz = o.pack.meta.timeZone;
  const now = o.now ?? Date.now;
  const source: KpiSource = {
    month: { store: o.stores.month, group: groups.month },
    rolling: { store: o.stores.rolling, group: groups.rolling },
    timeZone: tz,
    names: kpiNamesOf(o.pack),
  };
  const answer = (res: express.Response, rebuilding: boolean, body: unknown) => {
    res.set('Cache-Control', 'no-store');
    res.set('X-Cityops-Rebuilding', String(rebuilding));
    res.json(body);
  };
  const unavailable = (res: express.Response, err: unknown) =>
    res.status(503).json({
      code: ErrorCodes.STORE_UNAVAILABLE,
      message: `the KPI counters could not be read: ${(err as Error).message}`.slice(0, 300),
    });

  router.get('/api/v1/hotline/kpis', requireRole(...o.roles), async (req, res) => {
    const q = KpisQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    const period = q.data.period ?? q.data.month ?? monthOf(now(), tz);
    try {
      const { kpis, rebuilding } = await readKpis(source, q.data.level, period);
      answer(res, rebuilding, kpis);
    } catch (err) {
      unavailable(res, err);
    }
  });

  router.get('/api/v1/hotline/rankings', requireRole(...o.roles), async (req, res) => {
    const q = RankingsQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    try {
      const { rankings, rebuilding } = await readRankings(source, q.data.level, q.data.month ?? monthOf(now(), tz), {
        minReceived: o.minReceived,
      });
      answer(res, rebuilding, rankings);
    } catch (err) {
      unavailable(res, err);
    }
  });
  return router;
}
