import { describe, expect, it } from 'vitest';
import { replayIdOf, sliderOf, speedChoiceOf, timeOfSlider } from './replay-param.js';

describe('the replay parameters of the wall', () => {
  it('takes ?replay= only when it is a replay id', () => {
    expect(replayIdOf('?replay=0123456789ab')).toBe('0123456789ab');
    expect(replayIdOf('?token=x&replay=0123456789ab&wall=3x1')).toBe('0123456789ab');
    expect(replayIdOf('')).toBeNull();
    expect(replayIdOf('?replay=')).toBeNull();
    expect(replayIdOf('?replay=../../api')).toBeNull();
    expect(replayIdOf('?replay=0123456789AB')).toBeNull();
  });

  it('maps the slider to the period and back, never past its end', () => {
    const from = 1_000_000;
    const to = from + 3_600_000;
    expect(sliderOf(from, from, to)).toBe(0);
    expect(sliderOf(from + 1_800_000, from, to)).toBe(500);
    expect(sliderOf(to + 5, from, to)).toBe(1000);
    expect(timeOfSlider(500, from, to)).toBe(from + 1_800_000);
    expect(timeOfSlider(1000, from, to)).toBe(to - 1_000);
    expect(timeOfSlider(-3, from, to)).toBe(from);
  });

  it('shows the speed as a choice', () => {
    expect(speedChoiceOf(null)).toBe('max');
    expect(speedChoiceOf(60)).toBe(60);
    expect(speedChoiceOf(100)).toBe(60);
    expect(speedChoiceOf(1)).toBe(1);
  });
});
