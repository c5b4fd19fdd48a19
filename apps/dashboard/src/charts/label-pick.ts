/**
 * Which areas get a name on the map (issue 12 part 6: labels never pile up in the dense centre).
 * ECharts' `labelLayout.hideOverlap` does not act on map-series labels, so the map picks them
 * itself: areas are taken from the largest down, and an area's name is drawn only if its box
 * (estimated from the text length at the label's font size) clears every name already placed.
 * The layout is in design px (layout/fit.ts), so the choice is the same on every wall size.
 * A hidden name is still in the area's tooltip.
 */

export interface LabelAnchor {
  id: string;
  /** the label's anchor, [lon, lat] (the centre of the area's largest polygon's bounding box) */
  at: [number, number];
  /** the area's size (any unit; only the order counts) */
  size: number;
  /** the label's text, for its width */
  text: string;
}

export interface MapBox {
  /** the map's drawing box in design px */
  width: number;
  height: number;
  /** the areas' bounding box, [minLon, minLat, maxLon, maxLat] */
  bbox: [number, number, number, number];
  /** ECharts' aspectScale of the map (y is multiplied by it) */
  aspectScale: number;
}

/** The anchor and size of one GeoJSON geometry's largest polygon (Polygon or MultiPolygon). */
export function anchorOf(
  geometry: unknown,
): { at: [number, number]; size: number; bbox: [number, number, number, number] } | null {
  const g = geometry as { type?: string; coordinates?: unknown } | null;
  if (!g || !Array.isArray(g.coordinates)) return null;
  const polygons = (
    g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []
  ) as number[][][][];
  let best: { at: [number, number]; size: number } | null = null;
  const all: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  let total = 0;
  for (const poly of polygons) {
    const ring = poly[0];
    if (!Array.isArray(ring) || ring.length < 3) continue;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    let area = 0;
    for (let i = 0; i < ring.length; i++) {
      const [x, y] = ring[i] as [number, number];
      const [nx, ny] = ring[(i + 1) % ring.length] as [number, number];
      area += x * ny - nx * y;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    area = Math.abs(area) / 2;
    total += area;
    all[0] = Math.min(all[0], x0);
    all[1] = Math.min(all[1], y0);
    all[2] = Math.max(all[2], x1);
    all[3] = Math.max(all[3], y1);
    if (!best || area > best.size) best = { at: [(x0 + x1) / 2, (y0 + y1) / 2], size: area };
  }
  return best ? { at: best.at, size: total, bbox: all } : null;
}

/** The ids whose names fit without touching another name, the largest areas first. */
export function pickLabels(anchors: LabelAnchor[], box: MapBox, fontSize: number): Set<string> {
  const [minLon, minLat, maxLon, maxLat] = box.bbox;
  const lonSpan = Math.max(1e-9, maxLon - minLon);
  const latSpan = Math.max(1e-9, (maxLat - minLat) * box.aspectScale);
  const pxPerDeg = Math.min(box.width / lonSpan, box.height / latSpan);
  const placed: Array<[number, number, number, number]> = [];
  const out = new Set<string>();
  const pad = fontSize * 0.25;
  for (const a of [...anchors].sort((x, y) => y.size - x.size || x.id.localeCompare(y.id))) {
    const cx = (a.at[0] - minLon) * pxPerDeg;
    const cy = (maxLat - a.at[1]) * box.aspectScale * pxPerDeg;
    // CJK glyphs are about 1 em wide, Latin about 0.6 em
    const w = [...a.text].reduce((s, ch) => s + (ch.charCodeAt(0) > 0x2e80 ? 1 : 0.6), 0) * fontSize + 2 * pad;
    const h = fontSize * 1.3 + 2 * pad;
    const r: [number, number, number, number] = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
    if (placed.some((p) => r[0] < p[2] && p[0] < r[2] && r[1] < p[3] && p[1] < r[3])) continue;
    placed.push(r);
    out.add(a.id);
  }
  return out;
}
