/** The command-center palette, shared by CSS (see styles.css) and the charts. */
export const palette = {
  bg: '#050b1a',
  panel: '#0a1630',
  grid: 'rgba(90, 150, 230, 0.14)',
  axis: 'rgba(150, 190, 240, 0.55)',
  text: '#d8e6ff',
  textDim: '#7f98bf',
  accent: '#35d0ff',
  accent2: '#3d7bff',
  warn: '#ffb020',
  alarm: '#ff4d5e',
  stale: '#5d6778',
  staleDim: '#39404d',
  /** low → high load on the map */
  heat: ['#0b2a55', '#1456a8', '#1fa4d8', '#3ee6c8', '#f5d442', '#ff8a2a', '#ff3b4e'],
  staleHeat: ['#2a2f38', '#4a515e', '#707887'],
  series: ['#35d0ff', '#ffb020', '#3ee69a', '#b07bff', '#ff6b8a'],
} as const;

/** the bundle's own CJK font first (main.tsx), so every wall draws the same letters */
export const FONT_FAMILY =
  '"Noto Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif';
