import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

describe('KNOWN_SOURCES', () => {
  it("defaults to the simulator's sources", () => {
    expect(loadConfig({}).KNOWN_SOURCES).toEqual(['hotline-12345', 'sim.sensors', 'sim.logistics']);
  });

  it('reads a comma list, prefixes ending in * included', () => {
    expect(loadConfig({ KNOWN_SOURCES: ' city.water , e2e-*,' }).KNOWN_SOURCES).toEqual(['city.water', 'e2e-*']);
  });

  it('refuses a name no source can have', () => {
    expect(() => loadConfig({ KNOWN_SOURCES: 'Bad Name' })).toThrow(/KNOWN_SOURCES/);
  });
});
