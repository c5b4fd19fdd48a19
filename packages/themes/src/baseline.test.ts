import { describe, expect, it } from 'vitest';
import { Baselines, deviationOf } from './baseline.js';
import { healthIndex } from './health.js';
import { hourOfWeek } from './time.js';

describe('baselines for this hour of the week', () => {
  it('learns an hour as the EWMA of its mean and variance, slot by slot', () => {
    const b = new Baselines({ alpha: 0.5, minSamples: 2 });
    expect(b.expected('city', 'hotline.open', 10)).toBeUndefined();
    // hour 10: samples 4 and 6 -> first mean 5, variance 1
    b.observe('city', 'hotline.open', 4, 10);
    b.observe('city', 'hotline.open', 6, 10);
    b.observe('city', 'hotline.open', 100, 11); // the next hour begins: hour 10 is learned
    expect(b.expected('city', 'hotline.open', 10)).toEqual({ mean: 5, sd: 1 });
    expect(b.expected('city', 'hotline.open', 11)).toBeUndefined();
    // a week later, hour 10 has mean 9: mean' = 5 + 0.5·4 = 7, var' = 0.5·(1 + 0.5·16) = 4.5
    b.observe('city', 'hotline.open', 9, 10);
    b.observe('city', 'hotline.open', 9, 10);
    b.observe('city', 'hotline.open', 9, 11);
    const e = b.expected('city', 'hotline.open', 10)!;
    expect(e.mean).toBe(7);
    expect(e.sd * e.sd).toBeCloseTo(4.5, 10);
  });

  it('starts from the seed, by hour of the local day, for all but counts; a street has no seed (its spread is not its district’s)', () => {
    const b = new Baselines({
      seed: {
        packId: 'p',
        generatedFrom: 'test',
        hours: {
          'sh-a': {
            'traffic.congestedShare': Array.from({ length: 24 }, (_, h) => [h / 100, 0.05] as [number, number]),
            'hotline.open': Array.from({ length: 24 }, () => [40, 5] as [number, number]),
          },
        },
      },
    });
    expect(b.expected('sh-a', 'traffic.congestedShare', 24 * 3 + 8)).toEqual({ mean: 0.08, sd: 0.05 });
    expect(b.expected('st:sh-a-1', 'traffic.congestedShare', 8)).toBeUndefined();
    // counts are not taken from the seed: they scale with the simulated fleet
    expect(b.expected('sh-a', 'hotline.open', 8)).toBeUndefined();
  });

  it('the deviation is in units of spread, positive = worse, with a floor on the spread', () => {
    expect(deviationOf('hotline.open', 20, { mean: 10, sd: 4 })).toBe(2.5);
    expect(deviationOf('traffic.speedIndex', 0.5, { mean: 0.8, sd: 0.1 })).toBe(3); // low is worse
    expect(deviationOf('traffic.speedIndex:arterial', 0.9, { mean: 0.8, sd: 0.1 })).toBe(-1);
    expect(deviationOf('water.gaugesAboveAlarm', 1, { mean: 0, sd: 0 })).toBe(1); // floor: 1 gauge
    expect(deviationOf('nope', 1, { mean: 0, sd: 1 })).toBeUndefined();
  });

  it('hour of the week in the city time zone: Monday 00:00 is 0', () => {
    expect(hourOfWeek(Date.UTC(2026, 5, 1, 0, 0), 'Asia/Shanghai')).toBe(8); // Monday 08:00
    expect(hourOfWeek(Date.UTC(2026, 4, 31, 16, 0), 'Asia/Shanghai')).toBe(0); // Monday 00:00 local
    expect(hourOfWeek(Date.UTC(2026, 4, 31, 15, 59), 'Asia/Shanghai')).toBe(167);
  });
});

describe('health index 城市运行体征指数', () => {
  it('100 when every theme is within one spread, the mean of the themes otherwise', () => {
    expect(healthIndex({}, { 'traffic.speedIndex': 0.4, 'hotline.open': -2 })).toBe(100);
    // traffic worst d = 3 -> 60; hotline d = 1.5 -> 90; environment d = 7 -> 0: mean 50
    expect(
      healthIndex(
        {},
        {
          'traffic.speedIndex': 3,
          'traffic.congestedShare': 1,
          'hotline.open': 1.5,
          'environment.pm25Mean': 7,
          'traffic.speedIndex:branch': 9, // qualified figures do not count twice
        },
      ),
    ).toBe(50);
  });

  it('hard limits cap it, with or without deviations; absent with nothing to say', () => {
    expect(healthIndex({ 'water.gaugesAboveAlarm': 2 }, { 'hotline.open': 0 })).toBe(60);
    expect(healthIndex({ 'water.gaugesAboveAlarm': 1 }, {})).toBe(60);
    expect(healthIndex({ 'devices.reportingShare': 0.7, 'traffic.congestedShare': 0.6 }, {})).toBe(70);
    expect(healthIndex({ 'water.gaugesAboveAlarm': 0 }, {})).toBeUndefined();
  });
});
