import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realInfra, repoRoot } from '@cityops/testkit';

// Every start-up failure of every app's main is scanned for the secrets it was given.
// The secrets are distinctive, and the Redis password holds characters a URL must percent-encode,
// so that both its decoded and its encoded form are looked for.
const API_KEY = 'IngestKey-Secret-0001-abcdef';
const SHORT_KEY = 'tinySecret02';
const REDIS_PASSWORD = 'Pw:Secret/0003@redis';
const QUERY_PASSWORD = 'QueryPw-Secret-0004';
const ENCODED_PASSWORD = encodeURIComponent(REDIS_PASSWORD);
const SECRETS = [API_KEY, SHORT_KEY, REDIS_PASSWORD, ENCODED_PASSWORD, QUERY_PASSWORD];

const infra = realInfra();
const kafka = infra.kafkaBrokers.join(',');
const redis = new URL(infra.redisUrl);

interface Case {
  name: string;
  env: Record<string, string>;
  /** what the output must say, so that a silent exit does not pass */
  says: RegExp[];
  /** exit status, when it is fixed */
  status?: number;
  /** the failure happens after the logger is made: every stderr line is a JSON log record */
  jsonLines: boolean;
  /** apps that do not fail in this case (the aggregator loads no city pack) */
  except?: string[];
}

const cases: Case[] = [
  {
    name: 'an API key too short and a Redis URL of the wrong scheme holding a password',
    env: {
      KAFKA_BROKERS: kafka,
      INGEST_API_KEYS: `${API_KEY},${SHORT_KEY}`,
      REDIS_URL: `http://admin:${ENCODED_PASSWORD}@${redis.host}`,
    },
    says: [/INGEST_API_KEYS: each key must be at least 16 characters/, /REDIS_URL: must be a redis:\/\//],
    status: 2,
    jsonLines: false,
  },
  {
    name: 'a Redis URL with a password and no host, beside a bad PORT',
    env: { KAFKA_BROKERS: kafka, INGEST_API_KEYS: API_KEY, REDIS_URL: `redis://:${ENCODED_PASSWORD}@`, PORT: 'eighty' },
    says: [/REDIS_URL: must be a redis:\/\//, /PORT: must be a whole number \(got "eighty"\)/],
    status: 2,
    jsonLines: false,
  },
  {
    name: 'Redis unreachable at a URL with a user, a password and a password in the query',
    env: {
      KAFKA_BROKERS: kafka,
      INGEST_API_KEYS: API_KEY,
      REDIS_URL: `redis://cityops:${ENCODED_PASSWORD}@127.0.0.1:1/0?password=${QUERY_PASSWORD}`,
    },
    says: [/E_STORE_UNAVAILABLE/, /127\.0\.0\.1:1/],
    jsonLines: true,
  },
  {
    name: 'Kafka unreachable, Redis reachable at a URL with a password',
    env: {
      KAFKA_BROKERS: '127.0.0.1:1',
      INGEST_API_KEYS: API_KEY,
      REDIS_URL: `redis://:${ENCODED_PASSWORD}@${redis.host}`,
    },
    says: [/E_BUS_UNAVAILABLE/, /127\.0\.0\.1:1/],
    jsonLines: true,
  },
  {
    name: 'a missing city pack with API keys set',
    env: { CITY_PACK: '/nonexistent/pack', INGEST_API_KEYS: `${API_KEY}, ${API_KEY}-2` },
    says: [/E_PACK_INVALID/],
    jsonLines: true,
    except: ['aggregator'],
  },
];

const apps = ['gateway', 'aggregator', 'simulator', 'launcher'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built main of `app`, with only `env` for settings (nothing inherited that could hold one). */
function run(app: string, env: Record<string, string>): Promise<Run> {
  const entry = join(repoRoot, 'apps', app, 'dist', 'main.js');
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', SIMULATOR: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not exit within 60 s; output:\n${stdout}${stderr}`));
    }, 60_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      // the pipes may still hold the last lines when 'exit' fires
      child.once('close', () => resolve({ status, stdout, stderr }));
    });
  });
}

describe('no secret in the output of a failed start-up', () => {
  for (const c of cases) {
    for (const app of apps.filter((a) => !c.except?.includes(a))) {
      it.concurrent(`${app}: ${c.name}`, { timeout: 90_000 }, async () => {
        const r = await run(app, c.env);
        const output = r.stdout + r.stderr;
        if (c.status !== undefined) expect(r.status).toBe(c.status);
        else expect(r.status).not.toBe(0);
        for (const said of c.says) expect(output).toMatch(said);
        for (const secret of SECRETS) expect(output).not.toContain(secret);
        // stdout is kept for the ready line
        expect(r.stdout).toBe('');
        if (c.jsonLines) {
          const records = r.stderr
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { level: string; app: string; msg: string });
          expect(records.some((rec) => rec.level === 'error' && /start-up failed/.test(rec.msg))).toBe(true);
        }
      });
    }
  }
});
