import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { CityIndex, loadCityPack } from '@cityops/city';
import {
  DEFAULT_MIN_RECEIVED,
  KpiBook,
  MONTH_PATTERN,
  ROLLING_PERIOD,
  kpiContextOf,
  kpiNamesOf,
  monthOf,
  stageEventOf,
} from '@cityops/hotline-kpis';
import { ErrorCodes, parseCityEvent, type HotlineKpis, type HotlineRankings } from '@cityops/schema';

export const USAGE = `usage: npm run kpis -- --in events.ndjson --level city|district|street
         [--month YYYY-MM | --period rolling-24h] [--pack DIR] [--rankings] [--min-received N]
prints the 接诉即办 KPIs (or with --rankings the 红黑榜 and 每月一题) as JSON; rates are fractions`;

const Args = z
  .object({
    in: z.string().min(1),
    level: z.enum(['city', 'district', 'street']),
    month: z.string().regex(MONTH_PATTERN, 'month must be YYYY-MM').optional(),
    period: z.literal(ROLLING_PERIOD).optional(),
    pack: z.string().min(1).optional(),
    rankings: z.boolean().optional(),
    'min-received': z.coerce.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((a) => !(a.month && a.period), { message: 'give --month or --period, not both' })
  .refine((a) => !(a.rankings && (a.level === 'city' || a.period)), {
    message: '--rankings ranks streets or districts of a month',
  });

export interface OfflineResult {
  output: HotlineKpis | HotlineRankings;
  /** lines that were not events, by code; events that were not hotline tickets are not counted here */
  skipped: Record<string, number>;
  tickets: number;
}

/**
 * `npm run kpis`: the same fold as the aggregator's stages (packages/hotline-kpis) over an events
 * file (NDJSON of canonical envelopes, e.g. a simulator scenario's events.ndjson), nothing dropped
 * for lateness; medians exact. Events without a district and street are placed by the pack as ingest
 * places them (outside the city: skipped as E_EVT_OUTSIDE_CITY). The month defaults to the month of the last event in the pack's time zone.
 */
export async function computeOffline(argv: string[]): Promise<OfflineResult> {
  const { values } = parseArgs({
    args: argv,
    options: {
      in: { type: 'string' },
      level: { type: 'string' },
      month: { type: 'string' },
      period: { type: 'string' },
      pack: { type: 'string' },
      rankings: { type: 'boolean' },
      'min-received': { type: 'string' },
    },
    strict: true,
  });
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`${i?.path.length ? `--${i.path.join('.')}: ` : ''}${i?.message ?? 'bad arguments'}\n${USAGE}`);
  }
  const a = parsed.data;
  const pack = loadCityPack(a.pack);
  const book = new KpiBook(kpiContextOf(pack));
  // a file may hold events as sources sent them (a raw export, a simulator scenario), not yet placed
  // by ingest: place them the same way, by the pack's spatial index, and refuse those outside the city
  let index: CityIndex | undefined;
  const skipped: Record<string, number> = {};
  const lines = createInterface({ input: createReadStream(a.in, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let r: ReturnType<typeof parseCityEvent>;
    try {
      r = parseCityEvent(JSON.parse(line));
    } catch {
      skipped[ErrorCodes.EVT_NOT_JSON] = (skipped[ErrorCodes.EVT_NOT_JSON] ?? 0) + 1;
      continue;
    }
    if (!r.ok) {
      skipped[r.code] = (skipped[r.code] ?? 0) + 1;
      continue;
    }
    if (r.event.type !== 'hotline.ticket') continue;
    const loc = r.event.location;
    if (loc.districtId === undefined || loc.streetId === undefined) {
      const where = (index ??= new CityIndex(pack)).locate(loc.lon, loc.lat);
      if (!where.inside) {
        skipped[ErrorCodes.EVT_OUTSIDE_CITY] = (skipped[ErrorCodes.EVT_OUTSIDE_CITY] ?? 0) + 1;
        continue;
      }
      Object.assign(loc, {
        gridId: where.gridId,
        communityId: where.communityId,
        streetId: where.streetId,
        districtId: where.districtId,
      });
    }
    const e = stageEventOf(r.event);
    if (e) book.add(e);
  }
  const names = kpiNamesOf(pack);
  const month =
    a.month ??
    (book.watermark === null ? monthOf(Date.now(), pack.meta.timeZone) : monthOf(book.watermark, pack.meta.timeZone));
  const output = a.rankings
    ? book.rankings(a.level as 'street' | 'district', month, {
        minReceived: a['min-received'] ?? DEFAULT_MIN_RECEIVED,
        names,
      })
    : book.kpis(a.level, a.period ?? month, names);
  return { output, skipped, tickets: book.tickets.size };
}
