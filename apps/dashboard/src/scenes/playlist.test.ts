import { describe, expect, it } from 'vitest';
import {
  initialPlaylist,
  keyAction,
  nextChangeAt,
  parseDuration,
  parsePlaylist,
  playlistReducer,
  sceneFromHash,
} from './playlist.js';
import type { PlaylistAction, PlaylistConfig, PlaylistState } from './playlist.js';

const run = (config: PlaylistConfig, s: PlaylistState, ...actions: PlaylistAction[]) =>
  actions.reduce((st, a) => playlistReducer(config, st, a), s);

describe('parsePlaylist', () => {
  it('reads scenes and every from the URL', () => {
    expect(parsePlaylist('?scenes=overview,hotline&every=60s')).toEqual({
      scenes: ['overview', 'hotline'],
      everyMs: 60_000,
      issues: [],
    });
    expect(parsePlaylist('?scenes=cases,sensors&every=2m').everyMs).toBe(120_000);
    expect(parsePlaylist('?scenes=cases,sensors&every=2500ms').everyMs).toBe(2_500);
  });

  it('is the overview alone without a playlist, every scene with only every=', () => {
    expect(parsePlaylist('')).toEqual({ scenes: ['overview'], everyMs: null, issues: [] });
    expect(parsePlaylist('?every=10s').scenes).toEqual(['overview', 'hotline', 'logistics', 'sensors', 'cases']);
  });

  it('drops unknown scenes and out-of-bounds periods with a coded reason, and plays the rest', () => {
    const c = parsePlaylist('?scenes=overview,weather,cases&every=1s');
    expect(c.scenes).toEqual(['overview', 'cases']);
    expect(c.everyMs).toBe(60_000);
    expect(c.issues).toHaveLength(2);
    expect(c.issues[0]).toMatch(/^E_WALL_SCENE: "weather"/);
    expect(c.issues[1]).toMatch(/^E_WALL_EVERY/);
    expect(parsePlaylist('?scenes=overview,cases&every=5h').issues[0]).toMatch(/^E_WALL_EVERY/);
    expect(parsePlaylist('?scenes=overview,cases&every=off').everyMs).toBeNull();
  });

  it('bounds the playlist length', () => {
    const c = parsePlaylist(`?scenes=${Array.from({ length: 30 }, () => 'cases').join(',')}`);
    expect(c.scenes).toHaveLength(20);
    expect(c.issues[0]).toMatch(/^E_WALL_SCENES/);
  });

  it('durations', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('1.5min')).toBe(90_000);
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration('-5s')).toBeNull();
  });
});

describe('the hash and the keys', () => {
  it('reads #scene=… and #…', () => {
    expect(sceneFromHash('#scene=hotline')).toBe('hotline');
    expect(sceneFromHash('#cases')).toBe('cases');
    expect(sceneFromHash('#scene=nowhere')).toBeNull();
    expect(sceneFromHash('')).toBeNull();
  });

  it('maps arrows, a presenter clicker, digits and space', () => {
    expect(keyAction('ArrowRight', 1)).toEqual({ type: 'next', now: 1 });
    expect(keyAction('PageDown', 1)).toEqual({ type: 'next', now: 1 });
    expect(keyAction('PageUp', 1)).toEqual({ type: 'prev', now: 1 });
    expect(keyAction('ArrowLeft', 1)).toEqual({ type: 'prev', now: 1 });
    expect(keyAction('3', 1)).toEqual({ type: 'goto', scene: 'logistics', now: 1 });
    expect(keyAction('5', 1)).toEqual({ type: 'goto', scene: 'cases', now: 1 });
    expect(keyAction('6', 1)).toBeNull();
    expect(keyAction(' ', 1)).toEqual({ type: 'toggle-pause', now: 1 });
    expect(keyAction('x', 1)).toBeNull();
  });
});

describe('rotation', () => {
  const config = parsePlaylist('?scenes=overview,hotline,logistics&every=10s');

  it('moves on when the period has passed, wraps around, and not before', () => {
    const s0 = initialPlaylist(config, 0);
    expect(run(config, s0, { type: 'tick', now: 9_999 }).scene).toBe('overview');
    const s1 = run(config, s0, { type: 'tick', now: 10_000 });
    expect(s1.scene).toBe('hotline');
    expect(nextChangeAt(config, s1)).toBe(20_000);
    const s3 = run(config, s1, { type: 'tick', now: 20_000 }, { type: 'tick', now: 30_000 });
    expect(s3.scene).toBe('overview');
  });

  it('space pauses and resumes with a full period', () => {
    const s = run(
      config,
      initialPlaylist(config, 0),
      { type: 'toggle-pause', now: 5_000 },
      { type: 'tick', now: 60_000 },
    );
    expect(s.scene).toBe('overview');
    expect(nextChangeAt(config, s)).toBeNull();
    const r = run(config, s, { type: 'toggle-pause', now: 61_000 }, { type: 'tick', now: 70_999 });
    expect(r.scene).toBe('overview');
    expect(run(config, r, { type: 'tick', now: 71_000 }).scene).toBe('hotline');
  });

  it('next / prev step through the playlist and restart its timer', () => {
    const s = run(config, initialPlaylist(config, 0), { type: 'prev', now: 1_000 });
    expect(s.scene).toBe('logistics');
    expect(nextChangeAt(config, s)).toBe(11_000);
    expect(run(config, s, { type: 'next', now: 2_000 }).scene).toBe('overview');
  });

  it('a digit shows a scene outside the playlist; next goes back into it', () => {
    const s = run(
      config,
      initialPlaylist(config, 0),
      { type: 'next', now: 1 },
      { type: 'goto', scene: 'cases', now: 2 },
    );
    expect(s.scene).toBe('cases');
    expect(run(config, s, { type: 'next', now: 3 }).scene).toBe('hotline');
  });

  it('does not rotate a single scene', () => {
    const one = parsePlaylist('?scenes=hotline&every=5s');
    expect(run(one, initialPlaylist(one, 0), { type: 'tick', now: 1e9 }).scene).toBe('hotline');
  });
});

describe('the jump to the cases scene on a new critical alert', () => {
  const config = parsePlaylist('?scenes=overview,hotline&every=10s');

  it('jumps, holds the playlist while it flashes, and goes back when nothing critical flashes', () => {
    const s1 = run(config, initialPlaylist(config, 0), { type: 'tick', now: 10_000 });
    expect(s1.scene).toBe('hotline');
    const j = run(config, s1, { type: 'criticals', alertIds: ['a1'], now: 12_000 });
    expect(j.scene).toBe('cases');
    // no rotation while the critical alert flashes
    expect(run(config, j, { type: 'tick', now: 50_000 }).scene).toBe('cases');
    // a second critical alert during the jump does not lose the way back
    const j2 = run(config, j, { type: 'criticals', alertIds: ['a1', 'a2'], now: 13_000 });
    const back = run(config, j2, { type: 'criticals', alertIds: [], now: 72_000 });
    expect(back.scene).toBe('hotline');
    expect(nextChangeAt(config, back)).toBe(82_000);
  });

  it('does not jump again for an alert it already jumped for, nor after a key dismissed the jump', () => {
    const j = run(config, initialPlaylist(config, 0), { type: 'criticals', alertIds: ['a1'], now: 1 });
    const dismissed = run(config, j, { type: 'next', now: 2 });
    expect(dismissed.scene).toBe('hotline');
    expect(run(config, dismissed, { type: 'criticals', alertIds: ['a1'], now: 3 }).scene).toBe('hotline');
    expect(run(config, dismissed, { type: 'criticals', alertIds: ['a1', 'b2'], now: 4 }).scene).toBe('cases');
  });
});
