import { isCityopsError } from '@cityops/schema';
import { describe, expect, it } from 'vitest';
import { parseScenarioOptions } from './options.js';
import { parseReplayArgs } from './replay-args.js';

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(isCityopsError(err, 'E_CFG_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
};

describe('scenario options', () => {
  it('have defaults', () => {
    expect(parseScenarioOptions({})).toMatchObject({ seed: 42, hours: 2, sensors: 2000, vehicles: 400 });
  });

  it.each([
    [{ hours: 500 }, '--hours: must be between 0.01 and 168'],
    [{ hours: 0 }, '--hours: must be between 0.01 and 168'],
    [{ seed: -1 }, '--seed: must be between 0 and 2147483647'],
    [{ sensors: 1.5 }, '--sensors: must be a whole number'],
    [{ ticketsPerHour: Number.NaN }, '--tickets-per-hour: must be a number'],
    [{ incidentsPerHour: 1000 }, '--incidents-per-hour: must be between 0 and 120'],
    [{ maxEventsPerSecond: 0 }, '--max-events-per-second: must be between 1 and 1000000'],
    [{ incidentTypes: ['earthquake'] }, '--incident-types'],
    [{ start: 'yesterday' }, '--start: must be an ISO time'],
    [{ speed: 3 }, '--speed: unknown option'],
  ])('reject %j naming the option', (input, expected) => {
    expect(messageOf(() => parseScenarioOptions(input))).toContain(expected);
  });

  it('name the option the way the caller spells it', () => {
    expect(messageOf(() => parseScenarioOptions({ vehicles: -3 }, (k) => `SIM_${k.toUpperCase()}`))).toContain(
      'SIM_VEHICLES: must be between 0 and 50000',
    );
  });
});

describe('replay flags and live settings', () => {
  it('need no API key with --bus, which does not use HTTP', () => {
    expect(messageOf(() => parseReplayArgs(['--dir', '/nonexistent', '--bus'], {}))).not.toMatch(/--api-key/);
  });

  it('reject a bad speed, a missing key and a missing scenario by name', () => {
    expect(messageOf(() => parseReplayArgs(['--dir', '/nonexistent', '--speed', 'fast'], {}))).toMatch(
      /--dir: no scenario\.json there.*--api-key: is required.*--speed: must be max or a number/,
    );
  });
});
