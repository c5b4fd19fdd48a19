/** Something the engine does at a simulated time: emit events and, usually, schedule its next step. */
export type Task = (t: number) => void;

interface Entry {
  t: number;
  seq: number;
  run: Task;
}

/**
 * The engine's agenda: a binary min-heap of tasks by (time, insertion order). Ties go to the task
 * scheduled first, which makes the output order, and so the files, deterministic.
 */
export class Agenda {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  at(t: number, run: Task): void {
    const e: Entry = { t, seq: this.seq++, run };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  /** Time of the next task, or Infinity when there is none. */
  peekTime(): number {
    return this.heap.length ? this.heap[0]!.t : Infinity;
  }

  pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(h[r]!, h[l]!) ? r : l;
      if (!less(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
