/** A replay id as the gateway makes them (12 hex digits). */
const REPLAY_ID = /^[0-9a-f]{12}$/;

/**
 * The replay (复盘) this wall shows, from `?replay=<id>` in its address, or null for the live wall.
 * Anything that is not a replay id is ignored (the wall stays live rather than guess).
 */
export function replayIdOf(search: string): string | null {
  const id = new URLSearchParams(search).get('replay');
  return id !== null && REPLAY_ID.test(id) ? id : null;
}

export function replayIdFromUrl(): string | null {
  try {
    return replayIdOf(window.location.search);
  } catch {
    return null;
  }
}

/** What the socket handshake carries for a replay wall: the gateway then sends that replay's vitals. */
export function replayHandshake(): { replay?: string } {
  const id = replayIdFromUrl();
  return id ? { replay: id } : {};
}

/** Speeds offered to those who may control a replay (event-time seconds per wall second). */
export const SPEEDS = [1, 10, 60, 300, 1_800, 'max'] as const;
export type SpeedChoice = (typeof SPEEDS)[number];

/** The replay's speed as the API reports it (null: max) as one of the choices, or the nearest below. */
export function speedChoiceOf(speed: number | null): SpeedChoice {
  if (speed === null) return 'max';
  let best: SpeedChoice = 1;
  for (const s of SPEEDS) if (s !== 'max' && s <= speed) best = s;
  return best;
}

/** Where the slider stands (0..1000) for a time in [from, to), and back. */
export function sliderOf(t: number, from: number, to: number): number {
  if (!(to > from)) return 0;
  return Math.round(Math.min(1, Math.max(0, (t - from) / (to - from))) * 1000);
}

export function timeOfSlider(v: number, from: number, to: number): number {
  const t = from + ((to - from) * Math.min(1000, Math.max(0, v))) / 1000;
  // the period is [from, to): the slider's end is its last second
  return Math.min(Math.round(t), to - 1_000);
}
