import { describe, expect, it } from 'vitest';
import { formatAge, formatCount } from './format.js';

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
