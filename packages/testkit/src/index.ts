import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where `.infra/env` is written by `npm run infra:up`). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface RealInfra {
  kafkaBrokers: string[];
  redisUrl: string;
}

/**
 * Settings of the real Kafka broker and Redis that integration tests talk to: from the
 * environment (`KAFKA_BROKERS`, `REDIS_URL`) or else from `.infra/env`, which `npm run infra:up`
 * writes. Throws, never skips: a suite that needs real infrastructure fails loudly without it.
 */
export function realInfra(): RealInfra {
  const fileEnv = readEnvFile(join(repoRoot, '.infra', 'env'));
  const brokers = process.env.KAFKA_BROKERS ?? fileEnv.KAFKA_BROKERS;
  const redisUrl = process.env.REDIS_URL ?? fileEnv.REDIS_URL;
  if (!brokers || !redisUrl) {
    throw new Error('Real Kafka and Redis are needed: run `npm run infra:up` (or set KAFKA_BROKERS and REDIS_URL).');
  }
  return { kafkaBrokers: brokers.split(',').map((b) => b.trim()), redisUrl };
}

/**
 * The MQTT broker integration tests talk to: `MQTT_URL` from the environment or `.infra/env`
 * (`npm run infra:up` starts Mosquitto when none answers). Throws, never skips.
 */
export function realMqttUrl(): string {
  const url = process.env.MQTT_URL ?? readEnvFile(join(repoRoot, '.infra', 'env')).MQTT_URL;
  if (!url) throw new Error('A real MQTT broker is needed: run `npm run infra:up` (or set MQTT_URL).');
  return url;
}

function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** A name unique to this test run, for topics, consumer groups and key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * How tests and benchmarks start Chromium: Debian's browser (never one a tool downloads), headless,
 * with the background services off, since this machine's network is closed to them.
 */
export function chromiumLaunchOptions(extraArgs: string[] = []): { executablePath: string; args: string[] } {
  return {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
  };
}

export { deleteByPrefix, keysByPrefix } from './redis.js';
