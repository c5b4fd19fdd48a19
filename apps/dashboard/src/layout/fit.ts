/**
 * Fitting the wall (issue 12 part 1). The screen is laid out in design units on a canvas that is
 * 1080 units high and at least 1920 wide, then drawn with one CSS `transform: scale(s)`: text,
 * borders and the ECharts canvases (rendered at `devicePixelRatio × s`, so they stay sharp) all
 * grow by the same factor, and nothing is sized by the viewport any more.
 */

/** the design canvas of a 16:9 wall */
export const DESIGN_WIDTH = 1920;
export const DESIGN_HEIGHT = 1080;
/** the design canvas of a 3×1 LED wall (three 1080p panels side by side) */
export const WIDE_DESIGN_WIDTH = 5760;
/** at or above this aspect ratio the wide layout is used (a 3×1 wall is 5.33:1, a 4×2 is 3.56:1) */
export const WIDE_ASPECT = 2.5;
/** the smallest text anywhere on the wall, in design px (so 14 px on a 1080p panel, 28 px on 4K) */
export const MIN_TEXT_PX = 14;

/**
 * `auto`: fill the viewport (the canvas takes the viewport's aspect, never narrower than 16:9),
 * wide layout when the aspect is ≥ WIDE_ASPECT. `3x1`: a 5760×1080 canvas in the wide layout,
 * letterboxed if the screen is not 16:3. `16x9`: a 1920×1080 canvas in the standard layout.
 */
export type WallPreset = 'auto' | '3x1' | '16x9';
export const WALL_PRESETS: readonly WallPreset[] = ['auto', '3x1', '16x9'];

export interface WallFit {
  preset: WallPreset;
  /** the design canvas, in design px */
  width: number;
  height: number;
  /** design px → CSS px */
  scale: number;
  /** where the scaled canvas sits in the viewport (CSS px); non-zero only when letterboxed */
  offsetX: number;
  offsetY: number;
  wide: boolean;
}

const MIN_VIEWPORT = 64;
const MAX_VIEWPORT = 32_768;
const clampSide = (v: number): number =>
  Number.isFinite(v) ? Math.min(MAX_VIEWPORT, Math.max(MIN_VIEWPORT, v)) : DESIGN_WIDTH;

/** The canvas and scale for a viewport of `vw × vh` CSS px. Pure: the tests drive it directly. */
export function fitWall(viewportWidth: number, viewportHeight: number, preset: WallPreset = 'auto'): WallFit {
  const vw = clampSide(viewportWidth);
  const vh = clampSide(viewportHeight);
  if (preset !== 'auto') {
    const width = preset === '3x1' ? WIDE_DESIGN_WIDTH : DESIGN_WIDTH;
    const scale = Math.min(vw / width, vh / DESIGN_HEIGHT);
    return {
      preset,
      width,
      height: DESIGN_HEIGHT,
      scale,
      offsetX: Math.max(0, (vw - width * scale) / 2),
      offsetY: Math.max(0, (vh - DESIGN_HEIGHT * scale) / 2),
      wide: preset === '3x1',
    };
  }
  const scale = Math.min(vw / DESIGN_WIDTH, vh / DESIGN_HEIGHT);
  // whole design px, rounded down, so the scaled canvas never passes the viewport's edge
  const width = Math.max(DESIGN_WIDTH, Math.floor(vw / scale + 1e-6));
  const height = Math.max(DESIGN_HEIGHT, Math.floor(vh / scale + 1e-6));
  return { preset, width, height, scale, offsetX: 0, offsetY: 0, wide: width / height >= WIDE_ASPECT };
}

/** `?wall=3x1` / `16x9` / `auto` (default); anything else is refused with a reason and `auto` is used. */
export function parseWallPreset(search: string): { preset: WallPreset; issue: string | null } {
  const raw = new URLSearchParams(search).get('wall');
  if (raw === null || raw === '') return { preset: 'auto', issue: null };
  const v = raw.trim().toLowerCase().slice(0, 16);
  if ((WALL_PRESETS as readonly string[]).includes(v)) return { preset: v as WallPreset, issue: null };
  return { preset: 'auto', issue: `E_WALL_PRESET: wall=${raw.slice(0, 16)} is not one of ${WALL_PRESETS.join(', ')}` };
}
