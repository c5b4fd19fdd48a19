import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CityopsError, ErrorCodes } from '@cityops/schema';
import { z } from 'zod';
import type { DetectorSettings } from './env.js';
import { ruleId, type AnyRule } from './rules/rule.js';

/** The file in a city pack directory that holds its detector settings (optional). */
export const PACK_SETTINGS_FILE = 'detector-settings.json';

const Settings = z.record(
  z.string().max(64),
  z.record(z.string().max(64), z.union([z.number(), z.string().max(200), z.boolean()])),
);

/**
 * Validates detector settings: per rule id or type, parameter values. A rule or parameter that
 * does not exist, or a value of the wrong type, is an error (E_CFG_INVALID) naming it.
 */
export function parseSettings(
  input: unknown,
  rules: readonly AnyRule[],
  where = 'detector settings',
): DetectorSettings {
  const r = Settings.safeParse(input);
  if (!r.success)
    throw new CityopsError(ErrorCodes.CFG_INVALID, `${where}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  for (const [name, params] of Object.entries(r.data)) {
    const owners = rules.filter((x) => x.type === name || ruleId(x) === name);
    if (owners.length === 0) throw new CityopsError(ErrorCodes.CFG_INVALID, `${where}: no rule ${name}`);
    for (const [p, v] of Object.entries(params)) {
      const def = owners.map((x) => x.parameters[p]).find((x) => x !== undefined);
      if (!def) throw new CityopsError(ErrorCodes.CFG_INVALID, `${where}: ${name} has no parameter ${p}`);
      if (typeof def.default !== typeof v)
        throw new CityopsError(ErrorCodes.CFG_INVALID, `${where}: ${name}.${p} must be a ${typeof def.default}`);
    }
  }
  return r.data;
}

/** Reads `<packDir>/detector-settings.json` and then `file` (later wins per parameter); none → {}. */
export function loadSettings(rules: readonly AnyRule[], packDir?: string, file?: string): DetectorSettings {
  const out: DetectorSettings = {};
  const paths = [packDir ? join(packDir, PACK_SETTINGS_FILE) : undefined, file].filter(
    (p): p is string => !!p && (p === file || existsSync(p)),
  );
  for (const path of paths) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CityopsError(ErrorCodes.CFG_INVALID, `${path}: ${(err as Error).message}`);
    }
    for (const [k, v] of Object.entries(parseSettings(json, rules, path))) out[k] = { ...out[k], ...v };
  }
  return out;
}
