import type { CityEventInput } from '@cityops/schema';
import { describe, expect, it, vi } from 'vitest';
import { liveKnobs, startLiveSimulator } from './live.js';
import { defaultCity } from './test/fixture.js';

describe('live mode', () => {
  it('sizes the city from the wall-clock rate and the speed', () => {
    const real = liveKnobs(200, 1);
    const fast = liveKnobs(200, 144);
    expect(real.sensors).toBeGreaterThan(fast.sensors);
    expect(real.ticketsPerHour).toBeLessThanOrEqual(3000);
    expect(fast.speed).toBe(144);
  });

  it('emits events stamped with wall-clock times, never in the future, while simulated time runs faster', async () => {
    vi.useFakeTimers();
    try {
      let wall = Date.parse('2025-06-02T02:00:00Z'); // 10:00 in Shanghai
      const got: CityEventInput[] = [];
      const sim = startLiveSimulator({
        city: defaultCity(),
        seed: 1,
        rate: 300,
        dayMinutes: 144, // speed 10
        incidentsPerHour: 0,
        now: () => wall,
        sink: async (events) => {
          for (const e of events) expect(Date.parse(e.eventTime)).toBeLessThanOrEqual(wall);
          got.push(...events);
        },
      });
      for (let i = 0; i < 40; i++) {
        wall += 250;
        await vi.advanceTimersByTimeAsync(250);
      }
      await sim.stop();
      expect(got.length).toBeGreaterThan(100);
      expect(sim.emitted).toBe(got.length);
      // ten wall seconds at speed 10: a hundred simulated seconds
      expect(sim.simTime - Date.parse('2025-06-02T02:00:00Z')).toBe(100_000);
      const times = got.map((e) => Date.parse(e.eventTime));
      expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(10_000);
      expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    } finally {
      vi.useRealTimers();
    }
  });
});
