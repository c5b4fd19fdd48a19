import { describe, expect, it } from 'vitest';
import { formatAge, formatCount, formatDrift } from './format.js';

describe('format', () => {
  it('shows a missing figure as a dash, not as zero', () => {
    expect(formatCount(undefined)).toBe('—');
    expect(formatCount(null)).toBe('—');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(12345)).toBe('12,345');
  });

  it('formats ages compactly', () => {
    expect(formatAge(23_400)).toBe('23s');
    expect(formatAge(245_000)).toBe('4m 05s');
    expect(formatAge(7_380_000)).toBe('2h 03m');
  });
});

describe('clock drift', () => {
  it('signs the drift (wall − server) and hides sub-50 ms noise', () => {
    expect(formatDrift(1_234)).toBe('+1.2s');
    expect(formatDrift(-300)).toBe('−0.3s');
    expect(formatDrift(30)).toBe('±0.0s');
    expect(formatDrift(-125_000)).toBe('−2m 05s');
  });
});
