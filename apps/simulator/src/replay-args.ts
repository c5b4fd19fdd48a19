import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import { z } from 'zod';
import { SCENARIO_FILES } from './offline.js';
import { describeIssues, flagOf } from './options.js';
import { FILE_ADAPTERS, formatOfFile, type FileAdapter, type FileReplayOptions } from './replay-file.js';
import type { ReplayOptions } from './replay.js';

const ReplayArgs = z
  .object({
    dir: z
      .string({ message: 'the scenario directory is required' })
      .refine((d) => existsSync(join(d, SCENARIO_FILES.scenario)), {
        message: `no ${SCENARIO_FILES.scenario} there: write a scenario with npm run simulate first`,
      }),
    url: z.url({ message: 'must be a URL like http://127.0.0.1:8080' }).default('http://127.0.0.1:8080'),
    bus: z.boolean().default(false),
    apiKey: z.string({ message: 'is required (or set INGEST_API_KEY)' }).min(1, 'is required (or set INGEST_API_KEY)'),
    speed: z
      .union([z.literal('max'), z.coerce.number().min(0.01).max(1_000_000)], {
        message: 'must be max or a number between 0.01 and 1000000',
      })
      .default(60),
    batch: z.coerce
      .number()
      .int()
      .min(1, 'must be between 1 and 50000')
      .max(50_000, 'must be between 1 and 50000')
      .default(1000),
    deadline: z.coerce
      .number()
      .min(1, 'must be between 1 and 86400 seconds')
      .max(86_400, 'must be between 1 and 86400 seconds')
      .default(120),
  })
  .strict();

/** With --bus there is no HTTP, so no API key. */
const BusReplayArgs = ReplayArgs.extend({ apiKey: z.string().optional() });

/** Parses `replay` flags; a bad one throws E_CFG_INVALID naming it, e.g. `--speed: must be max or a number ...`. */
export function parseReplayArgs(
  args: string[],
  env: Record<string, string | undefined>,
): ReplayOptions & { bus: boolean } {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      dir: { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      speed: { type: 'string' },
      batch: { type: 'string' },
      bus: { type: 'boolean' },
      deadline: { type: 'string' },
    },
  });
  const r = (values.bus ? BusReplayArgs : ReplayArgs).safeParse({
    dir: values.dir,
    url: values.url,
    apiKey: values['api-key'] ?? env.INGEST_API_KEY,
    speed: values.speed,
    batch: values.batch,
    bus: values.bus,
    deadline: values.deadline,
  });
  if (!r.success) throw new CityopsError(ErrorCodes.CFG_INVALID, describeIssues(r.error, flagOf), r.error.issues);
  const { dir, url, speed, bus } = r.data;
  return {
    dir,
    url,
    apiKey: r.data.apiKey ?? '',
    speed,
    batchSize: r.data.batch,
    deadlineMs: r.data.deadline * 1000,
    bus,
  };
}

const FileReplayArgs = z
  .object({
    file: z
      .string({ message: 'the file to replay is required' })
      .refine((f) => existsSync(f), { message: 'no such file' }),
    adapter: z.enum(Object.keys(FILE_ADAPTERS) as [FileAdapter, ...FileAdapter[]], {
      message: `must be one of ${Object.keys(FILE_ADAPTERS).join(', ')}`,
    }),
    format: z.enum(['csv', 'ndjson'], { message: 'must be csv or ndjson' }).optional(),
    url: ReplayArgs.shape.url,
    apiKey: ReplayArgs.shape.apiKey,
    batch: z.coerce
      .number()
      .int()
      .min(1, 'must be between 1 and 5000')
      .max(5_000, 'must be between 1 and 5000 (an adapter takes at most 5,000 items a body)')
      .default(1000),
    deadline: ReplayArgs.shape.deadline,
  })
  .strict();

/** Parses `replay --file` flags (file replay through an adapter); a bad one throws E_CFG_INVALID naming it. */
export function parseFileReplayArgs(args: string[], env: Record<string, string | undefined>): FileReplayOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      file: { type: 'string' },
      adapter: { type: 'string' },
      format: { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      batch: { type: 'string' },
      deadline: { type: 'string' },
    },
  });
  const r = FileReplayArgs.safeParse({
    file: values.file,
    adapter: values.adapter,
    format: values.format,
    url: values.url,
    apiKey: values['api-key'] ?? env.INGEST_API_KEY,
    batch: values.batch,
    deadline: values.deadline,
  });
  if (!r.success) throw new CityopsError(ErrorCodes.CFG_INVALID, describeIssues(r.error, flagOf), r.error.issues);
  const format = r.data.format ?? formatOfFile(r.data.file);
  if (!format) {
    throw new CityopsError(
      ErrorCodes.CFG_INVALID,
      `--format: say csv or ndjson (the file name ${r.data.file} does not)`,
    );
  }
  return {
    file: r.data.file,
    adapter: r.data.adapter,
    format,
    url: r.data.url,
    apiKey: r.data.apiKey,
    batchSize: r.data.batch,
    deadlineMs: r.data.deadline * 1000,
  };
}
