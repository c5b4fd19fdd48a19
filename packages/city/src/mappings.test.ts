import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateShanghaiPack } from './generate.js';
import { loadCityPack, writePackFiles } from './load.js';
import { parseMapping } from './mappings.js';
import { SHANGHAI_TAXONOMY } from './taxonomy.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A copy of the default pack on disk with `mappings` written next to it. */
function packWith(mappings: Record<string, unknown>, meta: Record<string, unknown> = {}): string {
  dir = mkdtempSync(join(tmpdir(), 'cityops-pack-'));
  const files = generateShanghaiPack();
  const pj = files.pack as { meta: Record<string, unknown> };
  files.pack = { ...pj, meta: { ...pj.meta, ...meta } };
  writePackFiles(dir, files);
  mkdirSync(join(dir, 'mappings'));
  for (const [name, json] of Object.entries(mappings)) {
    writeFileSync(join(dir, 'mappings', name), typeof json === 'string' ? json : JSON.stringify(json));
  }
  return dir;
}

describe('category mappings as data', () => {
  it('the default pack ships mappings (hotline) and names its time zone', () => {
    const pack = loadCityPack();
    expect(pack.meta.timeZone).toBe('Asia/Shanghai');
    expect(pack.mappings?.hotline?.fallback).toBe('E.10.01');
    expect(pack.mappings?.hotline?.codes['交通管理-快递车辆占道卸货']).toBe('E.06.02');
  });

  it('a pack on disk reads <dir>/mappings/<adapter>.json', () => {
    const d = packWith({ 'demo.json': { adapter: 'demo', fallback: 'E.10.01', codes: { lamp: 'P.02.01' } } });
    const pack = loadCityPack(d);
    expect(pack.mappings).toEqual({ demo: { adapter: 'demo', fallback: 'E.10.01', codes: { lamp: 'P.02.01' } } });
  });

  it('an unknown taxonomy code stops loading with a message naming the file and the code', () => {
    const d = packWith({ 'demo.json': { adapter: 'demo', fallback: 'E.10.01', codes: { lamp: 'P.77.01' } } });
    expect(() => loadCityPack(d)).toThrow('mappings/demo.json: codes."lamp": unknown taxonomy code "P.77.01"');
  });

  it('an unknown fallback, a misnamed file, bad JSON and unknown keys are refused', () => {
    const t = SHANGHAI_TAXONOMY;
    expect(() => parseMapping({ adapter: 'a', fallback: 'E.99', codes: {} }, 'mappings/a.json', t)).toThrow(
      'mappings/a.json: fallback: unknown taxonomy code "E.99"',
    );
    expect(() => parseMapping({ adapter: 'a', fallback: 'E.10.01', codes: {} }, 'mappings/b.json', t)).toThrow(
      /must be a\.json/,
    );
    expect(() =>
      parseMapping({ adapter: 'a', fallback: 'E.10.01', codes: {}, extra: 1 }, 'mappings/a.json', t),
    ).toThrow(/mappings\/a\.json/);
    const d = packWith({ 'x.json': '{nope' });
    expect(() => loadCityPack(d)).toThrow(/mappings\/x\.json: not valid JSON/);
  });

  it('meta.timeZone is validated as an IANA zone, and read when given', () => {
    expect(loadCityPack(packWith({}, { timeZone: 'Europe/Berlin' })).meta.timeZone).toBe('Europe/Berlin');
    rmSync(dir!, { recursive: true, force: true });
    expect(() => loadCityPack(packWith({}, { timeZone: 'Mars/Olympus' }))).toThrow(/timeZone/);
  });
});
