import { pointInRing } from './geometry.js';

/**
 * Dissolve a set of unit squares of an integer lattice into its outline: polygons with holes, as
 * integer vertex coordinates. Used by the generator to draw streets and communities as one shape
 * instead of a union of grid squares. Boundary edges are taken with the region on their left, so
 * exteriors come out counter-clockwise and holes clockwise; at a vertex where two pieces touch
 * diagonally the walk prefers the left turn, which keeps the pieces as separate simple rings.
 */
export type IntRing = [number, number][];

/** `units` are unit squares given by their south-west corner (x, y). */
export function dissolveUnits(units: Iterable<readonly [number, number]>): IntRing[][] {
  // Integer keys: the generator's lattice stays well inside 0..2^20 in both axes.
  const set = new Set<number>();
  const K = 1 << 20;
  const key = (x: number, y: number): number => y * K + x;
  for (const [x, y] of units) {
    if (x < 0 || y < 0 || x >= K || y >= K) throw new Error(`dissolve: unit ${x},${y} outside the lattice range`);
    set.add(key(x, y));
  }

  // outgoing boundary edges per start vertex; an edge is [toX, toY]
  const out = new Map<number, [number, number][]>();
  let edgeCount = 0;
  const add = (ax: number, ay: number, bx: number, by: number): void => {
    const k = key(ax, ay);
    const list = out.get(k);
    if (list) list.push([bx, by]);
    else out.set(k, [[bx, by]]);
    edgeCount++;
  };
  for (const k of set) {
    const x = k % K;
    const y = (k - x) / K;
    if (!set.has(key(x, y - 1))) add(x, y, x + 1, y);
    if (!set.has(key(x + 1, y))) add(x + 1, y, x + 1, y + 1);
    if (!set.has(key(x, y + 1))) add(x + 1, y + 1, x, y + 1);
    if (!set.has(key(x - 1, y))) add(x, y + 1, x, y);
  }

  const rings: IntRing[] = [];
  // Walk edges in a deterministic order: sorted start vertices.
  const starts = [...out.keys()].sort((a, b) => a - b);
  let used = 0;
  for (const s of starts) {
    for (;;) {
      const list = out.get(s);
      if (!list || list.length === 0) break;
      const sx = s % K;
      const sy = (s - sx) / K;
      const ring: IntRing = [[sx, sy]];
      let cx = sx;
      let cy = sy;
      let first = list.shift()!;
      let dx = first[0] - cx;
      let dy = first[1] - cy;
      cx = first[0];
      cy = first[1];
      used++;
      while (cx !== sx || cy !== sy) {
        ring.push([cx, cy]);
        const options = out.get(key(cx, cy));
        if (!options || options.length === 0) throw new Error(`dissolve: open boundary at ${cx},${cy}`);
        // left turn first, then straight, then right
        const prefs: [number, number][] = [
          [-dy, dx],
          [dx, dy],
          [dy, -dx],
        ];
        let pick = -1;
        for (const [px, py] of prefs) {
          pick = options.findIndex(([tx, ty]) => tx - cx === px && ty - cy === py);
          if (pick >= 0) break;
        }
        if (pick < 0) pick = 0;
        first = options.splice(pick, 1)[0]!;
        dx = first[0] - cx;
        dy = first[1] - cy;
        cx = first[0];
        cy = first[1];
        used++;
      }
      ring.push([sx, sy]);
      rings.push(dropCollinear(ring));
    }
  }
  if (used !== edgeCount) throw new Error('dissolve: not every boundary edge was used');

  const area = (r: IntRing): number => {
    let a = 0;
    for (let i = 0; i < r.length - 1; i++) a += r[i]![0] * r[i + 1]![1] - r[i + 1]![0] * r[i]![1];
    return a / 2;
  };
  const exteriors = rings.filter((r) => area(r) > 0).map((r) => ({ ring: r, area: area(r), holes: [] as IntRing[] }));
  for (const hole of rings.filter((r) => area(r) < 0)) {
    // A unit just right of the hole's first edge lies inside the hole; its centre is never on a boundary.
    const [ax, ay] = hole[0]!;
    const [bx, by] = hole[1]!;
    const ex = Math.sign(bx - ax);
    const ey = Math.sign(by - ay);
    const px = ax + ex / 2 + ey / 2;
    const py = ay + ey / 2 - ex / 2;
    let best: (typeof exteriors)[number] | undefined;
    for (const e of exteriors) {
      if (pointInRing(px, py, e.ring) && (!best || e.area < best.area)) best = e;
    }
    if (!best) throw new Error('dissolve: hole outside every exterior');
    best.holes.push(hole);
  }
  return exteriors.map((e) => [e.ring, ...e.holes]);
}

function dropCollinear(ring: IntRing): IntRing {
  // ring is closed; remove vertices where the direction does not change, including the start
  const pts = ring.slice(0, -1);
  const n = pts.length;
  const keep: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const p = pts[(i + n - 1) % n]!;
    const c = pts[i]!;
    const q = pts[(i + 1) % n]!;
    const cross = (c[0] - p[0]) * (q[1] - c[1]) - (c[1] - p[1]) * (q[0] - c[0]);
    if (cross !== 0) keep.push(c);
  }
  keep.push([keep[0]![0], keep[0]![1]]);
  return keep;
}
