import { CityopsError, ErrorCodes } from '@cityops/schema';
import { z } from 'zod';
import { INCIDENT_TYPES } from './engine/truth.js';

/** The two ways the simulated feeds can look (option `feeds`, CLI `--feeds`, live `SIM_FEEDS`). */
export const FEED_MODES = ['realistic', 'clean'] as const;
export type FeedMode = (typeof FEED_MODES)[number];
/** Decoys per simulated hour when `decoysPerHour` is not given. */
export const DEFAULT_DECOYS_PER_HOUR: Record<FeedMode, number> = { realistic: 8, clean: 0 };

const between = (lo: number, hi: number) =>
  z
    .number({ message: `must be a number between ${lo} and ${hi}` })
    .min(lo, `must be between ${lo} and ${hi}`)
    .max(hi, `must be between ${lo} and ${hi}`);
const intBetween = (lo: number, hi: number) => between(lo, hi).int(`must be a whole number between ${lo} and ${hi}`);

/**
 * The scenario knobs. Every count is per simulated time. One schema serves the offline CLI
 * (`--tickets-per-hour`), live mode (`SIM_TICKETS_PER_HOUR`) and tests, so a bad value is always
 * rejected with the name the caller used.
 */
export const ScenarioOptionsSchema = z
  .object({
    seed: intBetween(0, 2 ** 31 - 1).default(42),
    /** length of the scenario in simulated hours (offline); live mode runs until stopped */
    hours: between(0.01, 168).default(2),
    /** simulated start time (ISO with offset); the diurnal patterns use Shanghai local time */
    start: z.iso
      .datetime({ offset: true, message: 'must be an ISO time with offset, e.g. 2025-06-02T07:00:00+08:00' })
      .default('2025-06-02T07:00:00+08:00'),
    sensors: intBetween(0, 200_000).default(2000),
    vehicles: intBetween(0, 50_000).default(400),
    ticketsPerHour: between(0, 100_000).default(600),
    incidentsPerHour: between(0, 120).default(3),
    incidentTypes: z
      .array(z.enum(INCIDENT_TYPES))
      .min(1, 'name at least one incident type')
      .default([...INCIDENT_TYPES]),
    /** cap on routine sensor readings per simulated second; see README "events per second cap" */
    maxEventsPerSecond: between(1, 1_000_000).default(5000),
    /**
     * How the feeds look: `realistic` (the default) as real systems send them (vans send noisy,
     * sparse positions only; sensors send values and heartbeats, never their own alarm verdict) with
     * confounders (decoys) in the city; `clean` as before (vans say `unloading` and
     * `inLoadingZone`, devices flag `alarm`, no decoys). See README "Feeds".
     */
    feeds: z.enum(FEED_MODES, { message: 'must be realistic or clean' }).default('realistic'),
    /** confounders per simulated hour (decoys that must not raise an alert); default 8 realistic, 0 clean */
    decoysPerHour: between(0, 120).optional(),
  })
  .strict();

export type ScenarioOptions = z.output<typeof ScenarioOptionsSchema>;
export type ScenarioOptionsInput = z.input<typeof ScenarioOptionsSchema>;

/** The kebab-case flag of an option, as the CLI spells it. */
export const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Validates options, throwing CityopsError E_CFG_INVALID whose message names each bad option the
 * way the caller spelled it, e.g. `--hours: must be between 0.01 and 168`.
 */
export function parseScenarioOptions(input: unknown, nameOf: (key: string) => string = flagOf): ScenarioOptions {
  const result = ScenarioOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  throw new CityopsError(ErrorCodes.CFG_INVALID, describeIssues(result.error, nameOf), result.error.issues);
}

export function describeIssues(error: z.ZodError, nameOf: (key: string) => string): string {
  return error.issues
    .map((i) => {
      const key = i.path.length ? String(i.path[0]) : '';
      if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${nameOf(k)}: unknown option`).join('; ');
      return `${key ? nameOf(key) : 'options'}: ${i.message}`;
    })
    .join('; ');
}
