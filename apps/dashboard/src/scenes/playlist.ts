/**
 * Scenes and their rotation (issue 12 part 2), framework-free so the tests drive it directly.
 * The URL sets the playlist (`?scenes=overview,hotline&every=60s`); keys, a presenter clicker
 * (PageUp / PageDown) and the hash (`#scene=hotline`) move through it; a new critical alert
 * jumps to the cases scene and the playlist resumes where it was once nothing critical flashes.
 */

export const SCENES = ['overview', 'hotline', 'logistics', 'sensors', 'cases'] as const;
export type SceneId = (typeof SCENES)[number];

export const SCENE_LABELS: Record<SceneId, { zh: string; en: string }> = {
  overview: { zh: '全域总览', en: 'Overview' },
  hotline: { zh: '接诉即办', en: 'Hotline 12345' },
  logistics: { zh: '物流配送', en: 'Logistics' },
  sensors: { zh: '感知设备', en: 'Sensors & feeds' },
  cases: { zh: '案件闭环', en: 'Cases' },
};

/** rotation periods outside these bounds are refused (a 1 s wall cannot be read; an hour is not a playlist) */
export const MIN_EVERY_MS = 2_000;
export const MAX_EVERY_MS = 3_600_000;
export const DEFAULT_EVERY_MS = 60_000;
const MAX_PLAYLIST = 20;
const MAX_PARAM_CHARS = 400;
const MAX_SEEN = 1_000;

export interface PlaylistConfig {
  scenes: SceneId[];
  /** null: no rotation (one scene, or `every=0`/`off`) */
  everyMs: number | null;
  /** what was refused in the URL, with its code, shown on the wall */
  issues: string[];
}

const isScene = (s: string): s is SceneId => (SCENES as readonly string[]).includes(s);

/** `60s`, `2m`, `1.5min`, `90` (seconds), `1500ms`; null when it is not a duration. */
export function parseDuration(raw: string): number | null {
  const m = /^(\d{1,7}(?:\.\d{1,3})?)\s*(ms|s|m|min)?$/.exec(raw.trim().toLowerCase());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1_000 : 60_000));
}

/**
 * The playlist from the query string. Without `scenes` it is the overview alone (today's wall),
 * or every scene when only `every` is given. Unknown scene names and bad periods are dropped
 * with an `E_WALL_*` reason; what is left still plays.
 */
export function parsePlaylist(search: string): PlaylistConfig {
  const q = new URLSearchParams(search.slice(0, 4 * MAX_PARAM_CHARS));
  const issues: string[] = [];
  const rawScenes = q.get('scenes');
  const rawEvery = q.get('every');
  let scenes: SceneId[] = [];
  if (rawScenes !== null && rawScenes.trim() !== '') {
    const names = rawScenes.slice(0, MAX_PARAM_CHARS).split(',');
    for (const n of names.map((s) => s.trim().toLowerCase()).filter(Boolean)) {
      if (scenes.length >= MAX_PLAYLIST) {
        issues.push(`E_WALL_SCENES: at most ${MAX_PLAYLIST} scenes in a playlist`);
        break;
      }
      if (isScene(n)) scenes.push(n);
      else issues.push(`E_WALL_SCENE: "${n.slice(0, 24)}" is not a scene (${SCENES.join(', ')})`);
    }
  }
  if (scenes.length === 0)
    scenes = rawEvery !== null && (rawScenes === null || rawScenes.trim() === '') ? [...SCENES] : ['overview'];
  let everyMs: number | null = scenes.length > 1 ? DEFAULT_EVERY_MS : null;
  if (rawEvery !== null) {
    const v = rawEvery.trim().toLowerCase().slice(0, 24);
    if (v === '0' || v === 'off') everyMs = null;
    else {
      const ms = parseDuration(v);
      if (ms === null || ms < MIN_EVERY_MS || ms > MAX_EVERY_MS)
        issues.push(
          `E_WALL_EVERY: every=${v} must be a period from ${MIN_EVERY_MS / 1000}s to ${MAX_EVERY_MS / 60_000}m`,
        );
      else if (scenes.length > 1) everyMs = ms;
    }
  }
  return { scenes, everyMs, issues };
}

/** `#scene=cases` (or `#cases`) → the scene; null when the hash names none. */
export function sceneFromHash(hash: string): SceneId | null {
  const h = hash.replace(/^#/, '').slice(0, 64);
  const v = new URLSearchParams(h).get('scene') ?? h;
  return isScene(v) ? v : null;
}

export interface PlaylistState {
  /** position in the playlist (the scene shown unless a jump or a manual choice outside it) */
  index: number;
  scene: SceneId;
  /** when the current scene came up (ms); the rotation counts from here */
  since: number;
  paused: boolean;
  /** a jump to the cases scene for new critical alerts: where to go back to */
  jump: { returnTo: SceneId; returnIndex: number; at: number } | null;
  /** critical alert ids that already caused (or were dismissed from) a jump */
  seen: string[];
}

export type PlaylistAction =
  | { type: 'tick'; now: number }
  | { type: 'next'; now: number }
  | { type: 'prev'; now: number }
  | { type: 'goto'; scene: SceneId; now: number }
  | { type: 'toggle-pause'; now: number }
  /** the critical alerts flashing now (open, new, not acknowledged): see flashingCriticals */
  | { type: 'criticals'; alertIds: string[]; now: number };

export function initialPlaylist(config: PlaylistConfig, now: number, start?: SceneId | null): PlaylistState {
  const i = start ? config.scenes.indexOf(start) : 0;
  return {
    index: Math.max(0, i),
    scene: start ?? config.scenes[0] ?? 'overview',
    since: now,
    paused: false,
    jump: null,
    seen: [],
  };
}

/** When the current scene gives way to the next one, or null when it does not rotate now. */
export function nextChangeAt(config: PlaylistConfig, s: PlaylistState): number | null {
  if (s.paused || s.jump || config.everyMs === null || config.scenes.length < 2) return null;
  return s.since + config.everyMs;
}

const at = (config: PlaylistConfig, i: number): { index: number; scene: SceneId } => {
  const n = config.scenes.length;
  const index = ((i % n) + n) % n;
  return { index, scene: config.scenes[index] ?? 'overview' };
};

export function playlistReducer(config: PlaylistConfig, s: PlaylistState, a: PlaylistAction): PlaylistState {
  switch (a.type) {
    case 'tick': {
      const due = nextChangeAt(config, s);
      return due !== null && a.now >= due ? { ...s, ...at(config, s.index + 1), since: a.now } : s;
    }
    case 'next':
    case 'prev': {
      // from a jump or a scene outside the playlist, next/prev go on from the playlist position
      const base = s.jump ? s.jump.returnIndex : s.index;
      const off = s.scene === config.scenes[base] || s.jump ? (a.type === 'next' ? 1 : -1) : 0;
      return { ...s, ...at(config, base + off), since: a.now, jump: null };
    }
    case 'goto': {
      const i = config.scenes.indexOf(a.scene);
      return { ...s, index: i >= 0 ? i : s.index, scene: a.scene, since: a.now, jump: null };
    }
    case 'toggle-pause':
      return { ...s, paused: !s.paused, since: a.now };
    case 'criticals': {
      const fresh = a.alertIds.filter((id) => !s.seen.includes(id));
      if (fresh.length > 0) {
        const seen = [...s.seen, ...fresh].slice(-MAX_SEEN);
        if (s.jump) return { ...s, seen };
        return {
          ...s,
          seen,
          scene: 'cases',
          since: a.now,
          jump: { returnTo: s.scene, returnIndex: s.index, at: a.now },
        };
      }
      // nothing critical flashes any more (acknowledged, or CRITICAL_FLASH_MS passed): back to the playlist
      if (s.jump && a.alertIds.length === 0) {
        return { ...s, scene: s.jump.returnTo, index: s.jump.returnIndex, since: a.now, jump: null };
      }
      return s;
    }
  }
}

/** The key's action: ←/→ and PageUp/PageDown (presenter clickers) step, 1–5 pick, space pauses. */
export function keyAction(key: string, now: number): PlaylistAction | null {
  if (key === 'ArrowRight' || key === 'PageDown') return { type: 'next', now };
  if (key === 'ArrowLeft' || key === 'PageUp') return { type: 'prev', now };
  if (key === ' ' || key === 'Spacebar') return { type: 'toggle-pause', now };
  if (/^[1-9]$/.test(key)) {
    const scene = SCENES[Number(key) - 1];
    return scene ? { type: 'goto', scene, now } : null;
  }
  return null;
}
